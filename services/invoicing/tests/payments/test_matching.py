"""Whose money: RF references and invoice numbers, learnt IBANs and names, the unmatched queue
and a person's assignment, currency parking. Payments come in as a bank entry would bring them
(receive_payment); everything else goes through the REST API."""

from __future__ import annotations

from decimal import Decimal

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.payments.models import PayerAccount
from invoicing.payments.testing import bank_payment, event_payloads, issue_for, pay_by_hand
from invoicing.testing import count, create_known_customer, stored_invoice
from receivables_shared.clock import ManualClock


async def test_a_structured_rf_reference_finds_the_customer_and_the_invoice(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = await create_known_customer(session)
    older = await issue_for(client, customer_id, "30.00", due_date="2026-03-05")
    named = await issue_for(client, customer_id, "50.00")

    payment = await bank_payment(
        session,
        clock,
        "50.00",
        reference=named["rf_reference"],
        payer_iban="LV80 BANK 0000 4351 9500 1",
        payer_name="SIA Koks",
    )

    assert (payment.customer_id, payment.state) == (customer_id, "applied")
    assert (await stored_invoice(session, named["id"])).state == "paid"
    assert (await stored_invoice(session, older["id"])).open_amount == Decimal("30.00")
    [received] = await event_payloads(session, "PaymentReceived")
    assert (received["source"], received["payer_name"]) == ("bank_statement", "SIA Koks")
    # Learnt: the next payment from this IBAN is the customer's even without a reference.
    later = await bank_payment(session, clock, "30.00", payer_iban="LV80BANK0000435195001")
    assert (later.customer_id, later.state) == (customer_id, "applied")
    assert (await stored_invoice(session, older["id"])).state == "paid"


async def test_an_invoice_number_in_the_remittance_text_finds_the_invoice(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = await create_known_customer(session)
    first = await issue_for(client, customer_id, "10.00", due_date="2026-03-03")
    second = await issue_for(client, customer_id, "20.00")
    number = second["number"].lower().replace("-", " ")

    payment = await bank_payment(
        session, clock, "20.00", remittance_text=f"payment for invoice {number} thanks"
    )

    assert payment.customer_id == customer_id
    assert (await stored_invoice(session, second["id"])).state == "paid"
    assert (await stored_invoice(session, first["id"])).state == "issued"


async def test_an_rf_reference_with_wrong_check_digits_matches_nothing(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = await create_known_customer(session)
    invoice = await issue_for(client, customer_id, "50.00")
    rf = invoice["rf_reference"]
    broken = rf[:2] + f"{(int(rf[2:4]) + 1) % 100:02d}" + rf[4:]

    payment = await bank_payment(session, clock, "50.00", reference=broken)

    assert (payment.customer_id, payment.state) == (None, "unmatched")
    assert (await stored_invoice(session, invoice["id"])).state == "issued"
    assert await event_payloads(session, "PaymentReceived") == []


async def test_an_unmatched_payment_waits_in_the_queue_until_a_person_assigns_it(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = await create_known_customer(session)
    first = await issue_for(client, customer_id, "40.00", due_date="2026-03-10")
    chosen = await issue_for(client, customer_id, "60.00", due_date="2026-04-10")
    payment = await bank_payment(
        session, clock, "60.00", payer_name="Koks, SIA", remittance_text="for March"
    )

    queue = (await client.get("/v1/payments/unmatched")).json()
    assert [(p["id"], p["state"]) for p in queue["items"]] == [(str(payment.id), "unmatched")]

    response = await client.post(
        f"/v1/payments/{payment.id}/assign",
        json={"customer_id": str(customer_id), "invoice_ids": [chosen["id"]]},
    )

    assert response.status_code == 200, response.text
    assert response.json()["state"] == "applied"
    assert [a["invoice_id"] for a in response.json()["allocations"]] == [chosen["id"]]
    assert (await stored_invoice(session, first["id"])).state == "issued"
    assert (await client.get("/v1/payments/unmatched")).json()["items"] == []
    [received] = await event_payloads(session, "PaymentReceived")
    assert received["customer_id"] == str(customer_id)
    # The person's word is remembered: the same payer name now matches on its own.
    again = await bank_payment(session, clock, "40.00", payer_name="SIA KOKS")
    assert (again.customer_id, again.state) == (customer_id, "applied")
    assert (await stored_invoice(session, first["id"])).state == "paid"


async def test_a_payer_seen_for_two_customers_no_longer_matches(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    one = await create_known_customer(session)
    two = await create_known_customer(session)
    a = await issue_for(client, one, "10.00")
    b = await issue_for(client, two, "10.00")
    iban = "LV97HABA0012345678910"
    await bank_payment(session, clock, "10.00", reference=a["rf_reference"], payer_iban=iban)
    await bank_payment(session, clock, "10.00", reference=b["rf_reference"], payer_iban=iban)

    third = await bank_payment(session, clock, "5.00", payer_iban=iban)

    assert third.state == "unmatched"
    assert await count(session, PayerAccount) == 1


async def test_a_payment_in_another_currency_is_parked_never_converted(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = await create_known_customer(session)
    invoice = await issue_for(client, customer_id, "100.00")

    response = await pay_by_hand(client, customer_id, "100.00", currency="USD")

    assert response.status_code == 201
    assert (response.json()["state"], response.json()["allocations"]) == ("parked_currency", [])
    assert (await stored_invoice(session, invoice["id"])).open_amount == Decimal("100.00")
    assert await event_payloads(session, "PaymentApplied") == []
    queue = (await client.get("/v1/payments/unmatched")).json()["items"]
    assert [(p["id"], p["state"]) for p in queue] == [(response.json()["id"], "parked_currency")]
    # Not to a customer invoiced in EUR; to one invoiced in USD, and it is applied there.
    refused = await client.post(
        f"/v1/payments/{response.json()['id']}/assign", json={"customer_id": str(customer_id)}
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "customer_id"
    usd_customer = await create_known_customer(session, currency="USD")
    usd_invoice = await issue_for(client, usd_customer, "100.00", currency="USD")
    assigned = await client.post(
        f"/v1/payments/{response.json()['id']}/assign", json={"customer_id": str(usd_customer)}
    )
    assert assigned.json()["state"] == "applied"
    assert (await stored_invoice(session, usd_invoice["id"])).state == "paid"


async def test_a_bank_entry_delivered_twice_is_applied_once(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = await create_known_customer(session)
    invoice = await issue_for(client, customer_id, "100.00")

    first = await bank_payment(
        session, clock, "30.00", key="LV80BANK:2026030200001", reference=invoice["rf_reference"]
    )
    second = await bank_payment(
        session, clock, "30.00", key="LV80BANK:2026030200001", reference=invoice["rf_reference"]
    )

    assert first.id == second.id
    assert (await stored_invoice(session, invoice["id"])).open_amount == Decimal("70.00")
    assert len(await event_payloads(session, "PaymentApplied")) == 1
