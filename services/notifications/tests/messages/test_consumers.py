import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.messages.consumers import on_invoice_issued
from notifications.messages.models import OutboundMessage
from receivables_shared.clock import ManualClock
from receivables_shared.consumer import HandlerContext
from receivables_shared.events import InvoiceIssued
from receivables_shared.events.cloudevents import EventMeta


def create_invoice_issued(
    customer_id: uuid.UUID, *, number: str = "INV-2026-000001"
) -> InvoiceIssued:
    return InvoiceIssued(
        customer_id=customer_id,
        invoice_id=uuid.uuid4(),
        number=number,
        currency="EUR",
        total=Decimal("1200.50"),
        issue_date=date(2026, 3, 2),
        due_date=date(2026, 4, 1),
    )


def create_context(clock: ManualClock) -> HandlerContext:
    meta = EventMeta(
        id=uuid.uuid4(),
        type=InvoiceIssued.event_type(),
        source="/invoicing",
        time=clock.now(),
        correlation_id=None,
    )
    return HandlerContext(meta=meta, clock=clock)


async def test_invoice_issued_queues_an_invoice_notice(
    session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = uuid.uuid4()
    event = create_invoice_issued(customer_id)

    await on_invoice_issued(session, event, create_context(clock))
    await session.flush()  # what the consumer's unit of work does before it commits

    session.expunge_all()
    messages = (await session.scalars(select(OutboundMessage))).all()
    assert [(m.customer_id, m.kind, m.status, m.reference_id) for m in messages] == [
        (customer_id, "invoice_issued", "queued", event.invoice_id)
    ]


async def test_each_invoice_gets_its_own_notice(session: AsyncSession, clock: ManualClock) -> None:
    customer_id = uuid.uuid4()
    first = create_invoice_issued(customer_id, number="INV-2026-000001")
    second = create_invoice_issued(customer_id, number="INV-2026-000002")

    await on_invoice_issued(session, first, create_context(clock))
    await on_invoice_issued(session, second, create_context(clock))

    references = set(await session.scalars(select(OutboundMessage.reference_id)))
    assert references == {first.invoice_id, second.invoice_id}
