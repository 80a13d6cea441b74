"""The periodic job (the worker's timer or `run-job`): the invoices in batches of about
`overdue_job_batch_size` (ranges of the table's pages), one transaction each, so no invoice
stays locked for long (a payment waits at most one batch) and the work done so far stays done
if a batch fails."""

from __future__ import annotations

from math import ceil

from invoicing.overdue.repository import OverdueRepository, block_ranges
from invoicing.overdue.service import OverdueRun, run_overdue_and_interest
from invoicing.settings import Settings
from receivables_shared.jobs import JobContext, PeriodicJob
from receivables_shared.settings import ServiceSettings


async def overdue_and_interest(context: JobContext) -> OverdueRun:
    assert isinstance(context.settings, Settings)
    today = context.clock.today()
    async with context.sessionmaker() as session:
        repository = OverdueRepository(session)
        candidates = await repository.candidates(today)
        pages = await repository.pages()
    total = OverdueRun(as_of=today, newly_overdue=0, interest_charged=0)
    batches = ceil(candidates / context.settings.overdue_job_batch_size)
    for blocks in block_ranges(pages, batches):
        async with context.sessionmaker() as session, session.begin():
            batch = await run_overdue_and_interest(session, context.clock, blocks)
        total += batch
        if batch.skipped:  # another replica is running: it carries on from here
            break
    return total


def _interval(settings: ServiceSettings) -> float:
    assert isinstance(settings, Settings)
    return settings.overdue_job_interval_seconds


OVERDUE_AND_INTEREST = PeriodicJob(
    name="overdue-and-interest", run=overdue_and_interest, interval_seconds=_interval
)
