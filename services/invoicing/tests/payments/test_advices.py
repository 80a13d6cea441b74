"""Proof of payment: advices stored with their file, linked to the payment that matches them,
their invoice numbers steering allocation, and the unmatched ones listed for the collector."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.payments.testing import bank_payment, issue_for, pay_by_hand
from invoicing.testing import create_known_customer, stored_invoice
from receivables_shared.clock import ManualClock

PDF = b"%PDF-1.4 remittance advice\n%%EOF\n"


async def post_advice(
    client: httpx.AsyncClient, customer_id: uuid.UUID, amount: str, **fields: Any
) -> httpx.Response:
    data = {
        "customer_id": str(customer_id),
        "amount": amount,
        "currency": "EUR",
        "date": "2026-03-02",
        **fields,
    }
    return await client.post(
        "/v1/payments/advices",
        data=data,
        files={"file": ("advice.pdf", PDF, "application/pdf")},
    )


async def test_an_advice_is_stored_with_its_file(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)

    response = await post_advice(
        client, customer_id, "120.00", reference="PO-77", invoice_numbers="inv-2026-000001"
    )

    assert response.status_code == 201, response.text
    advice = response.json()
    assert (advice["amount"], advice["reference"], advice["invoice_numbers"]) == (
        "120.00",
        "PO-77",
        ["INV-2026-000001"],
    )
    assert (advice["filename"], advice["file_size"], advice["payment_id"]) == (
        "advice.pdf",
        len(PDF),
        None,
    )
    file = await client.get(f"/v1/payments/advices/{advice['id']}/file")
    assert (file.status_code, file.content, file.headers["content-type"]) == (
        200,
        PDF,
        "application/pdf",
    )
    assert (await client.get(f"/v1/payments/advices/{advice['id']}")).json() == advice


async def test_a_payment_matching_an_advice_is_linked_and_pays_the_invoices_it_names(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)
    oldest = await issue_for(client, customer_id, "80.00", due_date="2026-03-05")
    named = await issue_for(client, customer_id, "80.00")
    advice = (
        await post_advice(client, customer_id, "80.00", invoice_numbers=named["number"])
    ).json()

    paid = (await pay_by_hand(client, customer_id, "80.00", received_on="2026-03-04")).json()

    assert paid["advice_id"] == advice["id"]
    assert [a["invoice_id"] for a in paid["allocations"]] == [named["id"]]
    assert (await stored_invoice(session, oldest["id"])).open_amount == Decimal("80.00")
    linked = (await client.get(f"/v1/payments/advices/{advice['id']}")).json()
    assert (linked["payment_id"], linked["matched_on"]) == (paid["id"], "2026-03-02")


async def test_an_unknown_payer_is_found_by_the_reference_of_an_advice(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = await create_known_customer(session)
    invoice = await issue_for(client, customer_id, "55.00")
    await post_advice(client, customer_id, "55.00", reference="KOKS-PAY-0311")

    payment = await bank_payment(
        session, clock, "55.00", reference="KOKS-PAY-0311", payer_name="Someone Else"
    )

    assert (payment.customer_id, payment.state) == (customer_id, "applied")
    assert (await stored_invoice(session, invoice["id"])).state == "paid"


async def test_a_payment_of_another_amount_or_far_later_does_not_match(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)
    advice = (await post_advice(client, customer_id, "80.00")).json()

    other_amount = (await pay_by_hand(client, customer_id, "79.99")).json()
    much_later = (await pay_by_hand(client, customer_id, "80.00", received_on="2026-04-30")).json()

    assert (other_amount["advice_id"], much_later["advice_id"]) == (None, None)
    stored = (await client.get(f"/v1/payments/advices/{advice['id']}")).json()
    assert stored["payment_id"] is None


async def test_advices_no_payment_matched_are_listed_after_n_days(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = await create_known_customer(session)
    waiting = (await post_advice(client, customer_id, "10.00", date="2026-02-20")).json()
    recent = (await post_advice(client, customer_id, "11.00", date="2026-03-01")).json()
    matched = (await post_advice(client, customer_id, "12.00", date="2026-02-20")).json()
    await pay_by_hand(client, customer_id, "12.00", received_on="2026-02-21")
    clock.advance(timedelta(days=1))  # 2026-03-03

    overdue = (await client.get("/v1/payments/advices?unmatched_after_days=7")).json()
    everything = (await client.get(f"/v1/payments/advices?customer_id={customer_id}")).json()

    assert [a["id"] for a in overdue["items"]] == [waiting["id"]]
    assert {a["id"] for a in everything["items"]} == {waiting["id"], recent["id"], matched["id"]}


async def test_the_same_advice_posted_twice_with_one_key_is_stored_once(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)
    data = {"customer_id": str(customer_id), "amount": "5.00", "currency": "EUR"}
    data["date"] = "2026-03-01"
    headers = {"Idempotency-Key": "advice-1"}

    first = await client.post("/v1/payments/advices", data=data, headers=headers)
    second = await client.post("/v1/payments/advices", data=data, headers=headers)

    assert second.json()["id"] == first.json()["id"]
    listed = (await client.get(f"/v1/payments/advices?customer_id={customer_id}")).json()
    assert len(listed["items"]) == 1
