"""Periodic jobs: set-based work a service's worker process runs on a timer.

A job (the overdue-and-interest run, credit holds as of today, webhook deliveries to apply) is
an async function of a `JobContext`. It opens its own sessions and commits its own batches; it
must be safe to run twice and on two replicas at once (lock rows, or make each effect
idempotent with a unique key), because the timer, a restart and `python -m <pkg> run-job` can
all run it. A service lists its jobs in `ServiceDefinition.jobs`; the worker process runs each
in a supervised loop (workers.py), the CLI runs one once (`run-job NAME [--as-of DATE]`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from receivables_shared.clock import Clock
from receivables_shared.db.engine import SessionMaker
from receivables_shared.settings import ServiceSettings


@dataclass(frozen=True)
class JobContext:
    sessionmaker: SessionMaker
    clock: Clock
    settings: ServiceSettings


@dataclass(frozen=True)
class PeriodicJob:
    #: Unique within the service, e.g. "overdue-and-interest"; the CLI and logs use it.
    name: str
    #: One round of the job; what it returns is printed by `run-job` (a count, a summary).
    run: Callable[[JobContext], Awaitable[object]]
    #: Seconds to wait after a round before the next, read from the service's settings.
    interval_seconds: Callable[[ServiceSettings], float]
