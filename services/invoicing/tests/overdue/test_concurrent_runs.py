"""Two replicas run the job at the same moment on committed data, in batches that run in
parallel: each invoice is marked and charged once (a replica that finds a batch taken leaves it
to the other, and a row another run changed after this one read it is left alone)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import pairwise

import pytest
import pytest_asyncio
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from invoicing.customers.repository import KnownCustomerRepository
from invoicing.definition import SERVICE
from invoicing.invoices.models import Invoice
from invoicing.ledger.models import InvoiceMovement, MovementKind
from invoicing.ledger.service import post_movement
from invoicing.overdue.job import overdue_and_interest
from invoicing.overdue.repository import BlockRange, OverdueRepository, block_ranges
from invoicing.overdue.service import run_overdue_and_interest
from invoicing.settings import Settings
from receivables_shared.clock import ManualClock
from receivables_shared.db.engine import SessionMaker, create_engine, create_sessionmaker
from receivables_shared.jobs import JobContext
from receivables_shared.outbox.models import OutboxEvent
from receivables_shared.testing.helpers import eventually
from receivables_shared.testing.service import (
    database_name_for_tests,
    fresh_database,
    settings_for_tests,
)

INVOICES = 40


@pytest_asyncio.fixture
async def committing_url(postgres_server_url: str) -> str:
    return await fresh_database(
        SERVICE, postgres_server_url, database_name_for_tests(SERVICE, "overdue_replicas")
    )


@pytest_asyncio.fixture
async def sessionmaker(committing_url: str) -> AsyncIterator[SessionMaker]:
    engine = create_engine(committing_url, pool_size=4)
    yield create_sessionmaker(engine)
    await engine.dispose()


async def committed_invoices(sessionmaker: SessionMaker) -> None:
    async with sessionmaker() as session, session.begin():
        customer_id = uuid.uuid4()
        await KnownCustomerRepository(session).upsert(
            customer_id=customer_id, name="SIA Koks", language="lv", currency="EUR"
        )
        for n in range(INVOICES):
            invoice = Invoice(
                number=f"T-{n}", series="T", customer_id=customer_id, currency="EUR",
                net_total=Decimal(100), tax_total=Decimal(0), total=Decimal(100),
                open_amount=Decimal(0), paid_amount=Decimal(0), issue_date=date(2026, 3, 1),
                due_date=date(2026, 3, 2), original_due_date=date(2026, 3, 2),
                issued_at=datetime(2026, 3, 1, tzinfo=UTC), issuing_system="test",
                rf_reference=f"RF-T-{n}", payment_term_days=1, terms_source="defaults",
                business_day_rule="none", late_interest_percent_per_month=Decimal(2),
            )  # fmt: skip
            session.add(invoice)
            await post_movement(session, invoice, kind=MovementKind.ISSUE, amount=Decimal(100),
                                business_date=date(2026, 3, 1), source_id=uuid.uuid4())  # fmt: skip


async def test_two_replicas_at_once_charge_each_invoice_once(
    sessionmaker: SessionMaker, committing_url: str
) -> None:
    await committed_invoices(sessionmaker)
    # Batches of 7: each replica's run is 6 transactions, two at a time, and the two interleave.
    settings = settings_for_tests(SERVICE, committing_url, "127.0.0.1:1", overdue_job_batch_size=7)
    assert isinstance(settings, Settings)
    context = JobContext(
        sessionmaker=sessionmaker,
        clock=ManualClock(datetime(2026, 4, 1, 9, tzinfo=UTC)),
        settings=settings,
    )

    runs = await asyncio.gather(overdue_and_interest(context), overdue_and_interest(context))

    # Between them, each invoice once: a replica that finds a batch held by the other skips it,
    # and one that takes a batch the other has done finds nothing left to do.
    assert sum(run.newly_overdue for run in runs) == INVOICES
    assert sum(run.interest_charged for run in runs) == INVOICES
    async with sessionmaker() as session:
        interest = await session.scalar(
            select(func.count()).where(InvoiceMovement.kind == MovementKind.INTEREST)
        )
        rows = (
            await session.execute(
                select(OutboxEvent.event_type, func.count()).group_by(OutboxEvent.event_type)
            )
        ).all()
    assert interest == INVOICES
    assert dict(rows) == {
        "receivables.InvoiceOverdue.v1": INVOICES,
        "receivables.LateFeeCharged.v1": INVOICES,
    }


async def test_a_run_that_read_the_invoices_before_another_run_committed_changes_nothing(
    sessionmaker: SessionMaker,
) -> None:
    """Two replicas that cut the table into different page ranges can run overlapping batches:
    the later UPDATE waits for the earlier one's row locks, then must not mark or charge again
    what it read before that commit."""
    await committed_invoices(sessionmaker)
    clock = ManualClock(datetime(2026, 4, 1, 9, tzinfo=UTC))
    async with sessionmaker() as first, sessionmaker() as second:
        await first.begin()
        done_first = await run_overdue_and_interest(first, clock)
        await second.begin()
        second_pid = await second.scalar(text("SELECT pg_backend_pid()"))
        # Past the batch lock, as a batch whose range starts on another page would be.
        overlapping = asyncio.create_task(
            OverdueRepository(second).mark_and_accrue(clock.today(), BlockRange())
        )

        async def second_waits_for_the_first_ones_row_locks() -> bool:
            async with sessionmaker() as probe:
                waiting = await probe.scalar(
                    text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"),
                    {"pid": second_pid},
                )
            return bool(waiting == "Lock")

        await eventually(second_waits_for_the_first_ones_row_locks)
        await first.commit()
        await overlapping
        await OverdueRepository(second).record_events(clock.today(), clock)
        done_second = await OverdueRepository(second).counts()
        await second.commit()

    assert (done_first.newly_overdue, done_first.interest_charged) == (INVOICES, INVOICES)
    assert done_second == (0, 0)
    async with sessionmaker() as session:
        interest = await session.scalar(
            select(func.count()).where(InvoiceMovement.kind == MovementKind.INTEREST)
        )
        events = await session.scalar(select(func.count()).select_from(OutboxEvent))
    assert (interest, events) == (INVOICES, 2 * INVOICES)


async def test_a_failing_batch_ends_the_round_with_its_own_error(
    sessionmaker: SessionMaker, committing_url: str
) -> None:
    """The worker's loop tells a transient fault by the exception: two batches at once must
    raise it as it came, not wrapped in an ExceptionGroup."""
    await committed_invoices(sessionmaker)
    day = date(2026, 4, 1)
    async with sessionmaker() as session, session.begin():
        # The interest movement the run would post for one invoice, already there.
        await session.execute(
            text(
                "INSERT INTO invoice_movements (id, invoice_id, customer_id, currency, kind,"
                " amount, open_amount_after, business_date, source_id)"
                " SELECT gen_random_uuid(), id, customer_id, currency, 'interest', 1, 1,"
                " CAST(:day AS date), CAST(md5(id::text || '/interest/'"
                " || to_char(CAST(:day AS date), 'YYYY-MM-DD')) AS uuid)"
                " FROM invoices WHERE number = 'T-3'"
            ),
            {"day": day},
        )
    settings = settings_for_tests(SERVICE, committing_url, "127.0.0.1:1", overdue_job_batch_size=7)
    assert isinstance(settings, Settings)
    clock = ManualClock(datetime(day.year, day.month, day.day, 9, tzinfo=UTC))
    context = JobContext(sessionmaker=sessionmaker, clock=clock, settings=settings)

    with pytest.raises(IntegrityError, match="uq_invoice_movements_invoice_id"):
        await overdue_and_interest(context)


def test_the_batches_cover_every_page_once() -> None:
    ranges = block_ranges(10, 3)

    assert [(r.lower, r.upper) for r in ranges[:-1]] == [(0, 3), (3, 6)]
    assert ranges[-1].lower == 6
    assert ranges[-1].upper == BlockRange().upper  # open-ended: pages added meanwhile
    assert all(a.upper == b.lower for a, b in pairwise(ranges))
    assert block_ranges(0, 5) == block_ranges(10, 0) == [BlockRange()]
    assert len(block_ranges(2, 5)) == 2  # never a batch without a page
