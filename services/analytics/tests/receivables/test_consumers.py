import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.receivables.consumers import on_invoice_issued
from analytics.receivables.models import InvoiceFact
from receivables_shared.clock import ManualClock
from receivables_shared.consumer import HandlerContext
from receivables_shared.events import InvoiceIssued
from receivables_shared.events.cloudevents import EventMeta


def create_context(clock: ManualClock) -> HandlerContext:
    meta = EventMeta(
        id=uuid.uuid4(),
        type=InvoiceIssued.event_type(),
        source="/invoicing",
        time=clock.now(),
        correlation_id=None,
    )
    return HandlerContext(meta=meta, clock=clock)


async def test_invoice_issued_records_an_invoice_fact(
    session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = uuid.uuid4()
    event = InvoiceIssued(
        customer_id=customer_id,
        invoice_id=uuid.uuid4(),
        number="INV-2026-000001",
        currency="BGN",
        total=Decimal("1200.50"),
        issue_date=date(2026, 3, 2),
        due_date=date(2026, 4, 1),
    )

    await on_invoice_issued(session, event, create_context(clock))

    facts = (await session.scalars(select(InvoiceFact))).all()
    assert [
        (f.invoice_id, f.customer_id, f.currency, f.amount, f.issue_date, f.due_date) for f in facts
    ] == [
        (
            event.invoice_id,
            customer_id,
            "BGN",
            Decimal("1200.50"),
            date(2026, 3, 2),
            date(2026, 4, 1),
        )
    ]
