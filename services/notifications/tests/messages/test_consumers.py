import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.messages.consumers import on_invoice_issued
from notifications.messages.models import OutboundMessage
from receivables_shared.clock import ManualClock
from receivables_shared.testing.events import create_invoice_issued, handler_context


async def test_invoice_issued_queues_an_invoice_notice(
    session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = uuid.uuid4()
    event = create_invoice_issued(customer_id)

    await on_invoice_issued(session, event, handler_context(clock))
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

    await on_invoice_issued(session, first, handler_context(clock))
    await on_invoice_issued(session, second, handler_context(clock))

    references = set(await session.scalars(select(OutboundMessage.reference_id)))
    assert references == {first.invoice_id, second.invoice_id}
