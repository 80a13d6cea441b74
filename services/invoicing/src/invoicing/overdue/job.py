"""The periodic job (the worker's timer or `run-job`): the invoices in batches of about
`overdue_job_batch_size` (ranges of the table's pages), one transaction each, so no invoice
stays locked for long (a payment waits at most one batch) and the work done so far stays done
if a batch fails. `overdue_job_parallel_batches` batches run at once, each on its own
connection: the ranges are disjoint, so they lock different invoices."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from math import ceil

from invoicing.overdue.repository import BlockRange, OverdueRepository, block_ranges
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
    batches = ceil(candidates / context.settings.overdue_job_batch_size)
    # One iterator shared by the workers: each takes the next range when it is free.
    ranges = iter(block_ranges(pages, batches))
    workers = [
        asyncio.create_task(_run_batches(context, ranges))
        for _ in range(context.settings.overdue_job_parallel_batches)
    ]
    try:
        runs = await asyncio.gather(*workers)
    except BaseException:
        # A failed batch (a deadlock with a payment, the database away) ends the round: the
        # other worker's batch is rolled back, and the error is raised as it came so the
        # worker's loop can tell a transient fault (the next round redoes the work).
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        raise
    return sum(runs, OverdueRun(as_of=today, newly_overdue=0, interest_charged=0))


async def _run_batches(context: JobContext, ranges: Iterator[BlockRange]) -> OverdueRun:
    total = OverdueRun(as_of=context.clock.today(), newly_overdue=0, interest_charged=0)
    for blocks in ranges:
        async with context.sessionmaker() as session, session.begin():
            # A batch another replica holds is skipped: that replica does it.
            total += await run_overdue_and_interest(session, context.clock, blocks)
    return total


def _interval(settings: ServiceSettings) -> float:
    assert isinstance(settings, Settings)
    return settings.overdue_job_interval_seconds


OVERDUE_AND_INTEREST = PeriodicJob(
    name="overdue-and-interest", run=overdue_and_interest, interval_seconds=_interval
)
