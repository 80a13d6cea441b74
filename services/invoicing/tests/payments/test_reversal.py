"""Reversed payments: what they applied is open again, their credit is taken back."""

from __future__ import annotations

from decimal import Decimal

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.payments.testing import (
    bank_payment,
    event_payloads,
    give_discount_terms,
    issue_for,
    pay_by_hand,
)
from invoicing.testing import create_known_customer, stored_invoice
from receivables_shared.clock import ManualClock


async def test_reversing_a_payment_reopens_every_invoice_it_paid(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)
    first = await issue_for(client, customer_id, "30.00", due_date="2026-03-10")
    second = await issue_for(client, customer_id, "50.00", due_date="2026-03-20")
    paid = (await pay_by_hand(client, customer_id, "60.00")).json()

    response = await client.post(
        f"/v1/payments/{paid['id']}/reversal",
        json={"reason": "returned by the bank: account closed", "reversed_on": "2026-03-04"},
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["state"], body["unapplied_amount"], body["reversed_on"]) == (
        "reversed",
        "0.00",
        "2026-03-04",
    )
    assert all(a["reversed"] for a in body["allocations"])
    for invoice, total in ((first, "30.00"), (second, "50.00")):
        stored = await stored_invoice(session, invoice["id"])
        assert (stored.open_amount, stored.state) == (Decimal(total), "issued")
    reversed_events = await event_payloads(session, "PaymentReversed")
    assert sorted((e["invoice_id"], e["amount"], e["open_amount"]) for e in reversed_events) == (
        sorted([(first["id"], "30.00", "30.00"), (second["id"], "30.00", "50.00")])
    )
    again = await client.post(f"/v1/payments/{paid['id']}/reversal", json={"reason": "again"})
    assert again.status_code == 409


async def test_reversing_an_overpayment_takes_its_rest_off_the_credit_balance(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)
    invoice = await issue_for(client, customer_id, "100.00")
    paid = (await pay_by_hand(client, customer_id, "120.00")).json()

    await client.post(f"/v1/payments/{paid['id']}/reversal", json={"reason": "chargeback"})

    balances = (await client.get(f"/v1/payments/credit-balances/{customer_id}")).json()
    assert balances["balances"] == [{"currency": "EUR", "balance": "0.00"}]
    assert [m["change"] for m in balances["recent_movements"]] == ["-20.00", "20.00"]
    assert (await stored_invoice(session, invoice["id"])).open_amount == Decimal("100.00")
    credit_events = [
        e for e in await event_payloads(session, "PaymentReversed") if e["invoice_id"] is None
    ]
    assert [(e["amount"], e["open_amount"]) for e in credit_events] == [("20.00", None)]


async def test_reversing_a_discounted_payment_reopens_the_discount_too(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)
    await give_discount_terms(session, customer_id)
    invoice = await issue_for(client, customer_id, "100.00")
    paid = (await pay_by_hand(client, customer_id, "98.00")).json()

    await client.post(f"/v1/payments/{paid['id']}/reversal", json={"reason": "returned"})

    stored = await stored_invoice(session, invoice["id"])
    assert (stored.open_amount, stored.paid_amount, stored.state) == (
        Decimal("100.00"),
        Decimal("0.00"),
        "issued",
    )
    # The event says which part of the re-opened amount was the discount, so the projections
    # take it off their discount sum and only the cash off their paid sum.
    [reversed_event] = await event_payloads(session, "PaymentReversed")
    assert (reversed_event["amount"], reversed_event["discount"]) == ("100.00", "2.00")


async def test_an_unmatched_payment_reversed_announces_nothing(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    payment = await bank_payment(session, clock, "10.00", payer_name="Nobody Known")

    response = await client.post(f"/v1/payments/{payment.id}/reversal", json={"reason": "R02"})

    assert response.json()["state"] == "reversed"
    assert await event_payloads(session, "PaymentReversed") == []
    assert (await client.get("/v1/payments/unmatched")).json()["items"] == []
