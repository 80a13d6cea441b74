"""A batch of payments applied set-based (payments/batch.py) ends exactly where the same
payments received one after the other (`receive_payment_unless_early`) end: the same
payments, invoices, movements, allocations, credit balances, payer accounts and events.

Each test runs the batch in a savepoint, takes a snapshot of everything payments write, rolls
the savepoint back and runs the same payments one by one."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.payments.batch import receive_payments
from invoicing.payments.models import PaymentSource
from invoicing.payments.service import IncomingPayment, receive_payment_unless_early
from invoicing.payments.testing import bank_payment, give_discount_terms, issue_for
from invoicing.testing import create_known_customer
from receivables_shared.clock import ManualClock
from receivables_shared.events import catalogue
from receivables_shared.testing.service import TEST_START


def webhook(key: str, amount: str, *, currency: str = "EUR", **fields: Any) -> IncomingPayment:
    return IncomingPayment(
        source=PaymentSource.WEBHOOK,
        source_key=f"webhook:test:{key}",
        amount=Decimal(amount),
        currency=currency,
        received_on=TEST_START.date(),
        **fields,
    )


async def snapshot(session: AsyncSession, customers: Sequence[uuid.UUID]) -> dict[str, Any]:
    """What the payments wrote for these customers, with generated ids replaced by what
    names the row (a payment's source key, an invoice's number)."""

    async def rows(sql: str) -> list[tuple[Any, ...]]:
        result = await session.execute(text(sql), {"customers": list(customers)})
        return [tuple(row) for row in result]

    keys = dict(await rows("SELECT id::text, source_key FROM payments"))
    numbers = dict(await rows("SELECT id::text, number FROM invoices"))
    # A movement's ledger sequence differs between the two runs; what it names does not.
    movements = {
        sequence: (number, kind, keys.get(source, source))
        for sequence, number, kind, source in await rows(
            "SELECT m.sequence, i.number, m.kind, m.source_id::text FROM invoice_movements m"
            " JOIN invoices i ON i.id = m.invoice_id"
        )
    }

    def named(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                k: movements[v] if k == "movement_sequence" and v is not None else named(v)
                for k, v in value.items()
                if k != "event_id"
            }
        if isinstance(value, str):
            return keys.get(value, numbers.get(value, value))
        return value

    events: dict[str, list[Any]] = {}
    for customer, event_type, topic, lane, payload in await rows(
        "SELECT partition_key, event_type, topic, lane, payload FROM outbox_events"
        " WHERE partition_key::uuid = ANY(:customers) ORDER BY id"
    ):
        # Order matters within a customer (its events are published in order), not across.
        events.setdefault(customer, []).append((event_type, topic, lane, named(payload)))
    return {
        "payments": await rows(
            "SELECT source_key, customer_id, state, amount, unapplied_amount FROM payments"
            " WHERE customer_id = ANY(:customers) OR customer_id IS NULL ORDER BY source_key"
        ),
        "invoices": await rows(
            "SELECT number, open_amount, paid_amount, state FROM invoices"
            " WHERE customer_id = ANY(:customers) ORDER BY number"
        ),
        "movements": await rows(
            "SELECT i.number, m.kind, m.amount, m.open_amount_after, m.business_date,"
            " coalesce(p.source_key, m.source_id::text)"
            " FROM invoice_movements m JOIN invoices i ON i.id = m.invoice_id"
            " LEFT JOIN payments p ON p.id = m.source_id"
            " WHERE m.customer_id = ANY(:customers) ORDER BY i.number, m.sequence"
        ),
        "allocations": await rows(
            "SELECT p.source_key, i.number, a.amount, a.discount_amount, a.applied_on,"
            " a.funded_by FROM payment_allocations a JOIN payments p ON p.id = a.payment_id"
            " JOIN invoices i ON i.id = a.invoice_id"
            " WHERE i.customer_id = ANY(:customers) ORDER BY p.source_key, a.sequence"
        ),
        "credit": await rows(
            "SELECT c.currency, c.change, c.balance_after, p.source_key"
            " FROM credit_balance_movements c JOIN payments p ON p.id = c.payment_id"
            " WHERE c.customer_id = ANY(:customers) ORDER BY c.sequence"
        ),
        "balances": await rows(
            "SELECT customer_id, currency, balance FROM credit_balances"
            " WHERE customer_id = ANY(:customers) ORDER BY 1, 2"
        ),
        "payers": await rows(
            "SELECT kind, value, customer_id, ambiguous, learned_from FROM payer_accounts"
            " ORDER BY kind, value"
        ),
        "events": events,
    }


async def both_ways(
    session: AsyncSession,
    clock: ManualClock,
    payments: Sequence[IncomingPayment],
    customers: Sequence[uuid.UUID],
    wait: bool = True,
) -> tuple[list[bool], dict[str, Any]]:
    """The batch's answer and snapshot, after checking that one by one ends the same."""
    savepoint = await session.begin_nested()
    received = await receive_payments(session, clock, payments, [wait] * len(payments))
    batched = await snapshot(session, customers)
    await savepoint.rollback()

    one_by_one = []
    for payment in payments:
        outcome = await receive_payment_unless_early(session, clock, payment, wait=wait)
        one_by_one.append(outcome is not None)
    assert received == one_by_one
    assert batched == await snapshot(session, customers)
    return received, batched


async def test_a_mixed_batch_ends_as_the_same_payments_one_by_one(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    first, second, third = [await create_known_customer(session) for _ in range(3)]
    # Issued first (a lower number) but due last: oldest due first passes it over.
    latest = await issue_for(client, first, "70.00", due_date="2026-04-30")
    older = await issue_for(client, first, "10.00", due_date="2026-03-05")
    named = await issue_for(client, first, "50.00", due_date="2026-03-20")
    other = await issue_for(client, second, "200.00")
    third_invoice = await issue_for(client, third, "10.00")
    payments = [
        webhook("a", "30.00", invoice_numbers=(named["number"],), payer_name="SIA Koks"),
        # The same invoice again in the batch: 20 closes it, 20 goes oldest due first.
        webhook("b", "40.00", remittance_text=f"paid {named['number']}", payer_name="Koks SIA"),
        webhook("a", "30.00", invoice_numbers=(named["number"],)),  # a duplicate in the batch
        # Another customer by RF reference, 50 over: the credit balance.
        webhook("c", "250.00", reference=other["rf_reference"], payer_iban="LV80BANK0000435195001"),
        # In a currency the customer is not invoiced in: parked for a person.
        webhook("d", "10.00", currency="USD", invoice_numbers=(third_invoice["number"],)),
        # Nothing matches: left to the one-payment path (it waits for its invoice).
        webhook("e", "5.00", invoice_numbers=("INV-2099-000001",)),
    ]

    received, state = await both_ways(session, clock, payments, [first, second, third])

    assert received == [True, True, True, True, True, False]
    invoices = {number: rest for number, *rest in state["invoices"]}
    assert invoices[named["number"]] == [Decimal("0.00"), Decimal("50.00"), "paid"]
    assert invoices[older["number"]] == [Decimal("0.00"), Decimal("10.00"), "paid"]
    assert invoices[latest["number"]] == [Decimal("60.00"), Decimal("10.00"), "partially_paid"]
    assert invoices[other["number"]][2] == "paid"
    assert [(row[0], row[2]) for row in state["payments"]] == [
        ("webhook:test:a", "applied"),
        ("webhook:test:b", "applied"),
        ("webhook:test:c", "partially_applied"),
        ("webhook:test:d", "parked_currency"),
    ]
    assert state["balances"] == [(second, "EUR", Decimal("50.000"))]
    # One name, two spellings of one customer: learnt once, not ambiguous.
    assert ("name", "koks", first, False, "match") in state["payers"]
    for customer_events in state["events"].values():
        for event_type, _, _, payload in customer_events:
            name = event_type.split(".")[1]
            getattr(catalogue, name).model_validate(payload | _ids(payload))


def _ids(payload: dict[str, Any]) -> dict[str, Any]:
    """The snapshot names payments, invoices and movements: valid ids back in."""
    ids: dict[str, Any] = {
        key: str(uuid.uuid4())
        for key in ("payment_id", "invoice_id")
        if payload.get(key) is not None
    }
    if payload.get("movement_sequence") is not None:
        ids["movement_sequence"] = 1
    return ids


async def test_discounts_overpayments_and_a_payer_known_from_before(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    discounted, known, twice = [await create_known_customer(session) for _ in range(3)]
    await give_discount_terms(session, discounted, percent="2", days=10)
    early = await issue_for(client, discounted, "100.00", due_date="2026-03-10")
    later = await issue_for(client, discounted, "100.00", due_date="2026-03-20")
    known_invoice = await issue_for(client, known, "60.00")
    await bank_payment(  # teaches the IBAN
        session,
        clock,
        "1.00",
        reference=known_invoice["rf_reference"],
        payer_iban="LV97HABA0012345678910",
    )
    twice_invoice = await issue_for(client, twice, "10.00")
    payments = [
        # 98 settles each invoice (2 % discount); named first, then the other one.
        webhook("f", "196.00", invoice_numbers=(later["number"],)),
        # No reference: the IBAN learnt above decides (the one-payment path).
        webhook("g", "20.00", payer_iban="LV97 HABA 0012 3456 7891 0"),
        # Pays all the customer has and more: the rest is credit.
        webhook("h", "15.00", invoice_numbers=(twice_invoice["number"],)),
        webhook("i", "5.00", invoice_numbers=(twice_invoice["number"],)),
    ]

    received, state = await both_ways(session, clock, payments, [discounted, known, twice])

    assert received == [True] * 4
    invoices = {number: rest for number, *rest in state["invoices"]}
    assert invoices[early["number"]][0] == invoices[later["number"]][0] == Decimal("0.00")
    kinds = [row[1] for row in state["movements"] if row[0] == later["number"]]
    assert kinds == ["issue", "payment", "discount"]
    assert [row[1:3] for row in state["credit"]] == [
        (Decimal("5.000"), Decimal("5.000")),
        (Decimal("5.000"), Decimal("10.000")),
    ]


async def test_a_batch_repeats_nothing_a_payment_stored_before_did(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    customer = await create_known_customer(session)
    invoice = await issue_for(client, customer, "100.00")
    payment = webhook("j", "40.00", invoice_numbers=(invoice["number"],))
    assert await receive_payments(session, clock, [payment], [True]) == [True]

    again = await receive_payments(session, clock, [payment, payment], [True, True])

    assert again == [True, True]
    state = await snapshot(session, [customer])
    assert [row[:3] for row in state["payments"] if row[1] == customer] == [
        ("webhook:test:j", customer, "applied")
    ]
    assert [row[1] for row in state["movements"]] == ["issue", "payment"]
