"""The periodic-job loop the worker process runs, and `run-job` from the command line."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import OperationalError

from receivables_shared.clock import ManualClock
from receivables_shared.jobs import JobContext, PeriodicJob
from receivables_shared.settings import ServiceSettings
from receivables_shared.workers import repeat


class Outage(Exception):
    sqlstate = "57P01"  # admin_shutdown: the database went away


def _context() -> JobContext:
    clock = ManualClock(datetime(2026, 3, 2, 9, tzinfo=UTC))
    return JobContext(sessionmaker=None, clock=clock, settings=ServiceSettings())  # type: ignore[arg-type]


async def test_a_job_runs_round_after_round_until_the_worker_stops() -> None:
    stop = asyncio.Event()
    rounds: list[object] = []

    async def count(context: JobContext) -> int:
        rounds.append(context.clock.today())
        if len(rounds) == 3:
            stop.set()
        return len(rounds)

    job = PeriodicJob(name="count", run=count, interval_seconds=lambda _: 0.01)
    await asyncio.wait_for(repeat(job, _context())(stop), timeout=5)

    assert len(rounds) == 3


async def test_a_database_outage_skips_a_round_and_the_job_goes_on() -> None:
    stop = asyncio.Event()
    attempts = 0

    async def flaky(_: JobContext) -> None:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise OperationalError("select 1", {}, Outage())
        stop.set()

    job = PeriodicJob(name="flaky", run=flaky, interval_seconds=lambda _: 0.01)
    await asyncio.wait_for(repeat(job, _context())(stop), timeout=5)

    assert attempts == 2


async def test_a_bug_in_a_job_reaches_the_supervisor() -> None:
    async def broken(_: JobContext) -> None:
        raise ValueError("a bug")

    job = PeriodicJob(name="broken", run=broken, interval_seconds=lambda _: 0.01)
    with pytest.raises(ValueError, match="a bug"):
        await repeat(job, _context())(asyncio.Event())
