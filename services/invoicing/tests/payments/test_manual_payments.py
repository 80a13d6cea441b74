"""Manual payments through the REST API: allocation by the documented rule and its events."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.ledger.models import MovementKind
from invoicing.ledger.service import post_movement
from invoicing.payments.models import Payment
from invoicing.payments.testing import (
    event_payloads,
    give_discount_terms,
    issue_for,
    pay_by_hand,
)
from invoicing.testing import count, create_known_customer, stored_invoice
from receivables_shared.clock import ManualClock
from receivables_shared.testing.pagination import (
    assert_bad_cursors_are_422_naming_cursor,
    assert_limit_is_bounded,
    page_through,
)


async def test_a_payment_naming_an_invoice_pays_it_partly_and_says_so(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)
    invoice = await issue_for(client, customer_id, "100.00")

    response = await pay_by_hand(
        client, customer_id, "40.00", invoice_ids=[invoice["id"]], reference="March"
    )

    assert response.status_code == 201, response.text
    payment = response.json()
    assert (payment["state"], payment["unapplied_amount"], payment["source"]) == (
        "applied",
        "0.00",
        "manual",
    )
    [allocation] = payment["allocations"]
    assert (allocation["invoice_id"], allocation["amount"], allocation["funded_by"]) == (
        invoice["id"],
        "40.00",
        "payment",
    )
    stored = await stored_invoice(session, invoice["id"])
    assert (stored.open_amount, stored.state) == (Decimal("60.00"), "partially_paid")
    [received] = await event_payloads(session, "PaymentReceived")
    assert received["customer_id"] == str(customer_id)
    assert (received["amount"], received["source"], received["method"]) == (
        "40.00",
        "manual",
        "bank_transfer",
    )
    [applied] = await event_payloads(session, "PaymentApplied")
    assert applied["amount"] == "40.00"
    assert applied["open_amount"] == "60.00"
    assert applied["funded_by"] == "payment"
    # Paid on 2026-03-02, due 2026-04-01: 30 days early.
    assert applied["days_late"] == -30


async def test_without_named_invoices_the_oldest_due_is_paid_first(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)
    later = await issue_for(client, customer_id, "100.00", due_date="2026-05-01")
    older = await issue_for(client, customer_id, "70.00", due_date="2026-03-20")
    middle = await issue_for(client, customer_id, "50.00", due_date="2026-04-10")

    response = await pay_by_hand(client, customer_id, "100.00")

    amounts = {a["invoice_id"]: a["amount"] for a in response.json()["allocations"]}
    assert amounts == {older["id"]: "70.00", middle["id"]: "30.00"}
    assert (await stored_invoice(session, older["id"])).state == "paid"
    assert (await stored_invoice(session, middle["id"])).open_amount == Decimal("20.00")
    assert (await stored_invoice(session, later["id"])).open_amount == Decimal("100.00")
    applied = await event_payloads(session, "PaymentApplied")
    assert [(e["invoice_id"], e["open_amount"]) for e in applied] == [
        (older["id"], "0.00"),
        (middle["id"], "20.00"),
    ]


async def test_named_invoices_first_then_the_rest_oldest_due_first(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)
    older = await issue_for(client, customer_id, "70.00", due_date="2026-03-20")
    named = await issue_for(client, customer_id, "50.00", due_date="2026-04-10")

    response = await pay_by_hand(client, customer_id, "80.00", invoice_ids=[named["id"]])

    amounts = [(a["invoice_id"], a["amount"]) for a in response.json()["allocations"]]
    assert amounts == [(named["id"], "50.00"), (older["id"], "30.00")]


async def test_an_overpayment_becomes_credit_that_the_next_invoice_consumes(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)
    invoice = await issue_for(client, customer_id, "100.00")

    paid = (await pay_by_hand(client, customer_id, "130.00")).json()

    assert (paid["state"], paid["unapplied_amount"]) == ("partially_applied", "30.00")
    [added] = await event_payloads(session, "CreditBalanceChanged")
    assert (added["change"], added["balance"], added["payment_id"]) == (
        "30.00",
        "30.00",
        paid["id"],
    )
    balances = (await client.get(f"/v1/payments/credit-balances/{customer_id}")).json()
    assert balances["balances"] == [{"currency": "EUR", "balance": "30.00"}]
    assert (await stored_invoice(session, invoice["id"])).state == "paid"

    next_invoice = await issue_for(client, customer_id, "45.00")

    stored = await stored_invoice(session, next_invoice["id"])
    assert (stored.open_amount, stored.state) == (Decimal("15.00"), "partially_paid")
    funded = [
        e
        for e in await event_payloads(session, "PaymentApplied")
        if e["invoice_id"] == next_invoice["id"]
    ]
    assert [(e["amount"], e["funded_by"], e["payment_id"]) for e in funded] == [
        ("30.00", "credit_balance", paid["id"])
    ]
    consumed = (await event_payloads(session, "CreditBalanceChanged"))[-1]
    assert (consumed["change"], consumed["balance"], consumed["invoice_id"]) == (
        "-30.00",
        "0.00",
        next_invoice["id"],
    )
    payment = (await client.get(f"/v1/payments/{paid['id']}")).json()
    assert (payment["state"], payment["unapplied_amount"]) == ("applied", "0.00")
    assert [a["funded_by"] for a in payment["allocations"]] == ["payment", "credit_balance"]


async def test_a_payment_with_no_open_invoice_is_all_credit(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)

    paid = (await pay_by_hand(client, customer_id, "25.00")).json()

    assert (paid["state"], paid["unapplied_amount"], paid["allocations"]) == ("credit", "25.00", [])
    invoice = await issue_for(client, customer_id, "20.00")
    assert (await stored_invoice(session, invoice["id"])).state == "paid"
    payment = (await client.get(f"/v1/payments/{paid['id']}")).json()
    assert (payment["state"], payment["unapplied_amount"]) == ("partially_applied", "5.00")


async def test_early_payment_discount_settles_the_invoice_with_its_own_movement(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)
    await give_discount_terms(session, customer_id, percent="2", days=10)
    invoice = await issue_for(client, customer_id, "100.00")
    assert (invoice["discount_until"], invoice["discount_amount"]) == ("2026-03-12", "2.00")

    response = await pay_by_hand(client, customer_id, "98.00", received_on="2026-03-12")

    [allocation] = response.json()["allocations"]
    assert (allocation["amount"], allocation["discount_amount"]) == ("98.00", "2.00")
    assert response.json()["state"] == "applied"
    stored = await stored_invoice(session, invoice["id"])
    assert (stored.open_amount, stored.state) == (Decimal("0.00"), "paid")
    movements = (await client.get(f"/v1/invoices/{invoice['id']}")).json()["movements"]
    assert [(m["kind"], m["amount"]) for m in movements] == [
        ("issue", "100.00"),
        ("payment", "-98.00"),
        ("discount", "-2.00"),
    ]
    [taken] = await event_payloads(session, "EarlyPaymentDiscountTaken")
    assert (taken["amount"], taken["open_amount"], taken["taken_on"]) == (
        "2.00",
        "0.00",
        "2026-03-12",
    )


async def test_no_discount_after_the_window_or_for_too_little(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)
    await give_discount_terms(session, customer_id, percent="2", days=10)
    late = await issue_for(client, customer_id, "100.00")
    short = await issue_for(client, customer_id, "100.00")

    after = await pay_by_hand(
        client, customer_id, "98.00", received_on="2026-03-13", invoice_ids=[late["id"]]
    )
    too_little = await pay_by_hand(
        client, customer_id, "97.99", received_on="2026-03-05", invoice_ids=[short["id"]]
    )

    assert [a["discount_amount"] for a in after.json()["allocations"]] == ["0.00"]
    assert (await stored_invoice(session, late["id"])).open_amount == Decimal("2.00")
    assert [a["discount_amount"] for a in too_little.json()["allocations"]] == ["0.00"]
    assert (await stored_invoice(session, short["id"])).open_amount == Decimal("2.01")
    assert await event_payloads(session, "EarlyPaymentDiscountTaken") == []


async def test_late_payment_counts_its_days_late(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = await create_known_customer(session)
    invoice = await issue_for(client, customer_id, "100.00", due_date="2026-03-10")

    await pay_by_hand(client, customer_id, "100.00", received_on="2026-03-25")

    [applied] = await event_payloads(session, "PaymentApplied")
    assert (applied["invoice_id"], applied["days_late"]) == (invoice["id"], 15)


async def test_the_same_manual_payment_sent_twice_is_recorded_once(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)
    await issue_for(client, customer_id, "100.00")
    headers = {"Idempotency-Key": "desk-2026-03-02-001"}

    first = await pay_by_hand(client, customer_id, "60.00", headers=headers)
    second = await pay_by_hand(client, customer_id, "60.00", headers=headers)

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert second.json()["id"] == first.json()["id"]
    assert await count(session, Payment) == 1
    assert len(await event_payloads(session, "PaymentApplied")) == 1
    assert len(await event_payloads(session, "PaymentReceived")) == 1


async def test_payments_are_listed_by_customer_state_and_source_page_by_page(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)
    other_id = await create_known_customer(session)
    await issue_for(client, customer_id, "1000.00")
    ids = [(await pay_by_hand(client, customer_id, "10.00")).json()["id"] for _ in range(3)]
    await pay_by_hand(client, other_id, "5.00")

    async def insert_one() -> None:
        ids.append((await pay_by_hand(client, customer_id, "10.00")).json()["id"])

    existing = list(ids)
    seen = [
        item["id"]
        for item in await page_through(
            client, f"/v1/payments?customer_id={customer_id}", limit=2, between_pages=insert_one
        )
    ]
    # Every payment there when paging began, once; none twice.
    assert set(existing) <= set(seen)
    assert len(seen) == len(set(seen))
    credit = (await client.get("/v1/payments?state=credit&source=manual")).json()["items"]
    assert [item["customer_id"] for item in credit] == [str(other_id)]
    wrong = await client.get("/v1/payments?state=lost")
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "state"


async def test_payment_lists_refuse_bad_cursors_and_limits(client: httpx.AsyncClient) -> None:
    lists = {
        "/v1/payments": "payments",
        "/v1/payments/unmatched": "unmatched-payments",
        "/v1/payments/advices": "payment-advices",
    }
    for path, list_name in lists.items():
        await assert_bad_cursors_are_422_naming_cursor(
            client, path, list_name=list_name, key_size=2
        )
        await assert_limit_is_bounded(client, path)


async def test_an_unknown_payment_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/v1/payments/{uuid.uuid4()}")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_disputed_invoice_is_paid_only_when_the_payment_names_it(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)
    disputed = await issue_for(client, customer_id, "50.00", due_date="2026-03-05")
    other = await issue_for(client, customer_id, "50.00", due_date="2026-03-25")
    (await stored_invoice(session, disputed["id"])).state = "disputed"
    await session.flush()

    oldest_first = (await pay_by_hand(client, customer_id, "50.00")).json()
    named = (await pay_by_hand(client, customer_id, "20.00", invoice_ids=[disputed["id"]])).json()

    assert [a["invoice_id"] for a in oldest_first["allocations"]] == [other["id"]]
    assert [a["invoice_id"] for a in named["allocations"]] == [disputed["id"]]
    stored = await stored_invoice(session, disputed["id"])
    assert (stored.open_amount, stored.state) == (Decimal("30.00"), "disputed")


async def test_a_partial_payment_pays_the_late_fee_with_the_invoice_and_the_rest_stays_open(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)
    invoice = await issue_for(client, customer_id, "100.00", due_date="2026-03-05")
    await post_movement(
        session,
        await stored_invoice(session, invoice["id"]),
        kind=MovementKind.LATE_FEE,
        amount=Decimal("15.00"),
        business_date=date(2026, 3, 20),
        source_id=uuid.uuid4(),
    )

    paid = (await pay_by_hand(client, customer_id, "40.00", received_on="2026-03-25")).json()

    assert [a["amount"] for a in paid["allocations"]] == ["40.00"]
    stored = await stored_invoice(session, invoice["id"])
    # 115 owed (100 + the fee): the fee is paid first, 75 of principal stays open.
    assert (stored.open_amount, stored.state) == (Decimal("75.00"), "partially_paid")
    [applied] = await event_payloads(session, "PaymentApplied")
    assert (applied["open_amount"], applied["days_late"]) == ("75.00", 20)
