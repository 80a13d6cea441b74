"""Collections' disputes keep an invoice `disputed` while any is open; resolving the last one
returns the state its amounts give."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.disputes.consumers import on_dispute_opened, on_dispute_resolved
from invoicing.disputes.models import InvoiceDispute
from invoicing.ledger.models import MovementKind
from invoicing.ledger.service import post_movement
from invoicing.testing import count, create_known_customer, issue, stored_invoice
from receivables_shared.clock import ManualClock
from receivables_shared.events import DisputeOpened, DisputeResolved
from receivables_shared.testing.events import handler_context

DAY = date(2026, 3, 10)


def opened(invoice_id: uuid.UUID, customer_id: uuid.UUID, dispute_id: uuid.UUID) -> DisputeOpened:
    return DisputeOpened(
        customer_id=customer_id,
        dispute_id=dispute_id,
        invoice_id=invoice_id,
        currency="EUR",
        amount=Decimal("100.00"),
        reason="wrong_price",
        opened_on=DAY,
    )


def resolved(
    invoice_id: uuid.UUID, customer_id: uuid.UUID, dispute_id: uuid.UUID
) -> DisputeResolved:
    return DisputeResolved(
        customer_id=customer_id,
        dispute_id=dispute_id,
        invoice_id=invoice_id,
        resolution="rejected",
        resolved_on=DAY,
    )


async def test_an_invoice_is_disputed_until_its_last_dispute_is_resolved(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = await create_known_customer(session)
    invoice_id = uuid.UUID((await issue(client, customer_id))["id"])
    first, second = uuid.uuid4(), uuid.uuid4()
    opened_context = handler_context(clock, DisputeOpened)
    resolved_context = handler_context(clock, DisputeResolved)

    await on_dispute_opened(session, opened(invoice_id, customer_id, first), opened_context)
    await on_dispute_opened(session, opened(invoice_id, customer_id, second), opened_context)
    assert (await stored_invoice(session, invoice_id)).state == "disputed"

    await on_dispute_resolved(session, resolved(invoice_id, customer_id, first), resolved_context)
    assert (await stored_invoice(session, invoice_id)).state == "disputed"

    await on_dispute_resolved(session, resolved(invoice_id, customer_id, second), resolved_context)
    assert (await stored_invoice(session, invoice_id)).state == "issued"


async def test_a_payment_on_a_disputed_invoice_keeps_it_disputed_then_partially_paid(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = await create_known_customer(session)
    invoice_id = uuid.UUID((await issue(client, customer_id))["id"])
    dispute_id = uuid.uuid4()
    await on_dispute_opened(
        session, opened(invoice_id, customer_id, dispute_id), handler_context(clock, DisputeOpened)
    )

    invoice = await stored_invoice(session, invoice_id)
    await post_movement(
        session,
        invoice,
        kind=MovementKind.PAYMENT,
        amount=Decimal("-100.00"),
        business_date=DAY,
        source_id=uuid.uuid4(),
    )
    assert invoice.state == "disputed"

    await on_dispute_resolved(
        session,
        resolved(invoice_id, customer_id, dispute_id),
        handler_context(clock, DisputeResolved),
    )
    assert (await stored_invoice(session, invoice_id)).state == "partially_paid"


async def test_a_redelivered_dispute_is_stored_once_and_an_unknown_invoice_is_ignored(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = await create_known_customer(session)
    invoice_id = uuid.UUID((await issue(client, customer_id))["id"])
    dispute_id = uuid.uuid4()
    context = handler_context(clock, DisputeOpened)

    await on_dispute_opened(session, opened(invoice_id, customer_id, dispute_id), context)
    await on_dispute_opened(session, opened(invoice_id, customer_id, dispute_id), context)
    await on_dispute_opened(session, opened(uuid.uuid4(), customer_id, uuid.uuid4()), context)

    assert await count(session, InvoiceDispute) == 1
