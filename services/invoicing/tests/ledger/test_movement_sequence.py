"""Every event that moves an open amount carries its ledger movement's sequence, so the other
services' copies can tell a later movement from a replayed older one (docs/events.md)."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.ledger.models import InvoiceMovement
from invoicing.payments.testing import give_discount_terms, issue_for, pay_by_hand
from invoicing.testing import create_known_customer, outbox_events

MOVEMENT_EVENTS = (
    "PaymentApplied",
    "EarlyPaymentDiscountTaken",
    "CreditNoteIssued",
    "InvoiceWrittenOff",
    "PaymentReversed",
    "InvoiceCancelled",
)


async def test_each_movement_event_carries_its_ledger_sequence_in_posting_order(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)
    await give_discount_terms(session, customer_id)
    invoice = await issue_for(client, customer_id, "100.00")
    await client.post(
        f"/v1/invoices/{invoice['id']}/credit-notes", json={"reason": "x", "amount": "10.00"}
    )
    paid = (await pay_by_hand(client, customer_id, "88.00")).json()  # 90 open, 2.00 discount
    await client.post(f"/v1/payments/{paid['id']}/reversal", json={"reason": "returned"})
    await client.post(
        f"/v1/invoices/{invoice['id']}/write-off",
        json={"amount": "5.00", "reason": "settled", "approver": "cfo"},
    )
    other = await issue_for(client, customer_id, "40.00")
    await client.post(f"/v1/invoices/{other['id']}/cancel", json={"reason": "in error"})

    ledger = (
        await session.execute(
            select(InvoiceMovement.kind, InvoiceMovement.sequence)
            .where(InvoiceMovement.customer_id == customer_id, InvoiceMovement.kind != "issue")
            .order_by(InvoiceMovement.sequence)
        )
    ).all()
    announced = [
        (row.event_type.split(".")[1], row.payload["movement_sequence"])
        for row in await outbox_events(session)
        if row.event_type.split(".")[1] in MOVEMENT_EVENTS
    ]
    assert [kind for kind, _ in ledger] == [
        "credit_note",
        "payment",
        "discount",
        "payment_reversal",
        "write_off",
        "cancellation",
    ]
    assert announced == [
        ("CreditNoteIssued", ledger[0].sequence),
        ("PaymentApplied", ledger[1].sequence),
        ("EarlyPaymentDiscountTaken", ledger[2].sequence),
        ("PaymentReversed", ledger[3].sequence),
        ("InvoiceWrittenOff", ledger[4].sequence),
        ("InvoiceCancelled", ledger[5].sequence),
    ]
