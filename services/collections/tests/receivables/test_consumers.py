import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from collection.receivables.consumers import on_invoice_issued
from collection.receivables.models import Receivable
from receivables_shared.clock import ManualClock
from receivables_shared.testing.events import create_invoice_issued, handler_context


async def test_invoice_issued_opens_a_receivable_for_the_total(
    session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = uuid.uuid4()
    event = create_invoice_issued(customer_id, total="1200.50", currency="BGN")

    await on_invoice_issued(session, event, handler_context(clock))
    await session.flush()  # what the consumer's unit of work does before it commits

    session.expunge_all()
    receivables = (await session.scalars(select(Receivable))).all()
    assert [
        (r.invoice_id, r.customer_id, r.number, r.currency, r.amount_due, r.due_date)
        for r in receivables
    ] == [
        (
            event.invoice_id,
            customer_id,
            "INV-2026-000001",
            "BGN",
            Decimal("1200.50"),
            date(2026, 4, 1),
        )
    ]


async def test_each_invoice_opens_its_own_receivable(
    session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = uuid.uuid4()

    await on_invoice_issued(
        session,
        create_invoice_issued(customer_id, number="INV-2026-000001"),
        handler_context(clock),
    )
    await on_invoice_issued(
        session,
        create_invoice_issued(customer_id, number="INV-2026-000002", total="0.01"),
        handler_context(clock),
    )

    rows = (
        await session.execute(
            select(Receivable.number, Receivable.amount_due).order_by(Receivable.number)
        )
    ).all()
    assert [tuple(row) for row in rows] == [
        ("INV-2026-000001", Decimal("1200.50")),
        ("INV-2026-000002", Decimal("0.01")),
    ]
