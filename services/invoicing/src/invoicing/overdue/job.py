"""The periodic job: one transaction per round (the worker's timer or `run-job`)."""

from __future__ import annotations

from invoicing.overdue.service import OverdueRun, run_overdue_and_interest
from invoicing.settings import Settings
from receivables_shared.jobs import JobContext, PeriodicJob
from receivables_shared.settings import ServiceSettings


async def overdue_and_interest(context: JobContext) -> OverdueRun:
    async with context.sessionmaker() as session, session.begin():
        return await run_overdue_and_interest(session, context.clock)


def _interval(settings: ServiceSettings) -> float:
    assert isinstance(settings, Settings)
    return settings.overdue_job_interval_seconds


OVERDUE_AND_INTEREST = PeriodicJob(
    name="overdue-and-interest", run=overdue_and_interest, interval_seconds=_interval
)
