"""The overdue-and-interest run as of a business date; see docs/overdue-and-interest.md."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.overdue.repository import BlockRange, OverdueRepository
from receivables_shared.clock import Clock


@dataclass(frozen=True)
class OverdueRun:
    as_of: date
    #: Invoices marked overdue (one InvoiceOverdue each).
    newly_overdue: int
    #: Interest movements posted (one LateFeeCharged each).
    interest_charged: int
    #: True when another run (a second replica) held a batch: it does that batch's work.
    skipped: bool = False

    def __add__(self, other: OverdueRun) -> OverdueRun:
        return OverdueRun(
            as_of=self.as_of,
            newly_overdue=self.newly_overdue + other.newly_overdue,
            interest_charged=self.interest_charged + other.interest_charged,
            skipped=self.skipped or other.skipped,
        )


async def run_overdue_and_interest(
    session: AsyncSession, clock: Clock, blocks: BlockRange | None = None
) -> OverdueRun:
    """Mark overdue invoices and accrue late interest up to the clock's business date, for the
    invoices in the table's pages `blocks` (all by default). Safe to repeat and to run on two
    replicas at once. Never commits."""
    today = clock.today()
    blocks = blocks or BlockRange()
    repository = OverdueRepository(session)
    if not await repository.lock_batch(blocks):
        return OverdueRun(as_of=today, newly_overdue=0, interest_charged=0, skipped=True)
    await repository.mark_and_accrue(today, blocks)
    await repository.record_events(today, clock)
    newly_overdue, interest_charged = await repository.counts()
    return OverdueRun(as_of=today, newly_overdue=newly_overdue, interest_charged=interest_charged)
