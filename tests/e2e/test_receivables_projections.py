"""The books balance across services: invoicing's open-amount events, written to its outbox as
invoicing writes them and published by its relay through the real broker, give collections and
analytics the same figures, and the same open balance as invoicing announced.

Today only InvoiceIssued comes from invoicing's API; the movements (payments, fees, credit notes,
write-offs, discounts, cancellations, reversals) are recorded in its outbox directly, in the
order invoicing would publish them. When invoicing produces them itself, replace
`publish_as_invoicing` with the API calls; the assertions stay.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from receivables_shared.clock import SystemClock
from receivables_shared.events import Event, InvoiceIssued
from receivables_shared.events.cloudevents import encode_headers
from receivables_shared.outbox.models import OutboxEvent
from receivables_shared.outbox.writer import record_event
from receivables_shared.testing.helpers import eventually
from receivables_shared.testing.kafka import started_producer
from receivables_shared.testing.movements import payment_applied, realistic_history
from tests.e2e.conftest import Platform

pytestmark = pytest.mark.e2e


async def create_customer(platform: Platform) -> uuid.UUID:
    response = await platform["credit-policy"].client.post(
        "/v1/customers",
        json={"name": "SIA Koks", "country": "LV", "language": "lv", "currency": "EUR"},
    )
    assert response.status_code == 201, response.text
    return uuid.UUID(response.json()["id"])


async def issue_invoice(platform: Platform, customer_id: uuid.UUID) -> dict[str, Any]:
    """Through invoicing's API; retries while invoicing has not learnt of the customer yet."""
    body = {
        "customer_id": str(customer_id),
        "currency": "EUR",
        "lines": [{"description": "Pallets", "quantity": "2", "unit_price": "600.25"}],
    }

    async def issued() -> dict[str, Any] | None:
        response = await platform["invoicing"].client.post("/v1/invoices", json=body)
        if response.status_code == 422 and "customer_id" in response.text:
            return None
        assert response.status_code == 201, response.text
        invoice: dict[str, Any] = response.json()
        return invoice

    return await eventually(issued)


async def issued_event(platform: Platform, invoice_id: str) -> InvoiceIssued:
    """The InvoiceIssued invoicing wrote to its outbox for the invoice."""
    async with platform["invoicing"].session() as session:
        row = await session.scalar(
            select(OutboxEvent).where(OutboxEvent.payload["invoice_id"].astext == invoice_id)
        )
    assert row is not None
    return InvoiceIssued.model_validate(row.payload)


async def publish_as_invoicing(platform: Platform, events: Iterable[Event]) -> None:
    """Stage the events in invoicing's outbox in one transaction; its relay publishes them."""
    async with platform["invoicing"].session() as session, session.begin():
        for event in events:
            record_event(session, event, clock=SystemClock())


async def balances(platform: Platform, customer_id: uuid.UUID) -> tuple[Any, Any]:
    collections = await platform["collections"].client.get(f"/v1/customers/{customer_id}/balance")
    analytics = await platform["analytics"].client.get(
        "/v1/receivables/balance", params={"customer_id": str(customer_id)}
    )
    assert (collections.status_code, analytics.status_code) == (200, 200)
    return collections.json()["balances"], analytics.json()["balances"]


def expected_books(books: dict[str, dict[str, str]], **extra_eur: str) -> list[dict[str, Any]]:
    """The history's books, with the API-issued invoice's figures added to EUR."""
    expected = []
    for currency, figures in sorted(books.items()):
        row: dict[str, Any] = {"currency": currency, **figures, "balanced": True}
        if currency == "EUR":
            for name, amount in extra_eur.items():
                row[name] = str(Decimal(row[name]) + Decimal(amount))
        expected.append(row)
    return expected


async def test_collections_and_analytics_keep_the_books_invoicing_announced(
    platform: Platform,
) -> None:
    customer_id = await create_customer(platform)
    invoice = await issue_invoice(platform, customer_id)
    issued = await issued_event(platform, invoice["id"])
    history = realistic_history(customer_id)
    settling = payment_applied(issued, "200.50", open_amount="1000.00")

    await publish_as_invoicing(platform, [*history.events, settling])

    expected = expected_books(history.books, invoiced="1200.50", paid="200.50", open="1000.00")

    async def consumed() -> bool:
        collections, analytics = await balances(platform, customer_id)
        return bool(collections == analytics == expected)

    await eventually(consumed)
    receivables = await platform["collections"].client.get(
        f"/v1/customers/{customer_id}/receivables"
    )
    open_eur = sum(
        Decimal(r["open_amount"]) for r in receivables.json()["items"] if r["currency"] == "EUR"
    )
    assert open_eur == Decimal("1350.00")  # the history's 350.00 and the API invoice's 1000.00


async def test_a_movement_published_twice_is_counted_once(platform: Platform) -> None:
    customer_id = await create_customer(platform)
    invoice = await issue_invoice(platform, customer_id)
    issued = await issued_event(platform, invoice["id"])
    first = payment_applied(issued, "100.50", open_amount="1100.00")
    await publish_as_invoicing(platform, [first])

    async def outbox_row() -> OutboxEvent | None:
        async with platform["invoicing"].session() as session:
            return await session.scalar(
                select(OutboxEvent).where(
                    OutboxEvent.payload["payment_id"].astext == str(first.payment_id),
                    OutboxEvent.published_at.is_not(None),
                )
            )

    row = await eventually(outbox_row)
    producer = await started_producer(platform.bootstrap)
    try:
        # What a relay that died after publishing but before marking would send again.
        await producer.send_and_wait(
            row.topic,
            key=row.partition_key.encode(),
            value=json.dumps(row.payload).encode(),
            headers=encode_headers(
                event_id=row.event_id,
                event_type=row.event_type,
                source=row.source,
                time=row.occurred_at,
                correlation_id=None,
            ),
        )
    finally:
        await producer.stop()
    # Same customer, same partition: once this one is seen, the duplicate was read before it.
    await publish_as_invoicing(
        platform, [payment_applied(issued, "1100.00", open_amount="0", on=first.applied_on)]
    )

    async def settled() -> bool:
        collections, analytics = await balances(platform, customer_id)
        return bool(collections and collections == analytics and collections[0]["open"] == "0.00")

    await eventually(settled)
    collections, _ = await balances(platform, customer_id)
    assert {key: collections[0][key] for key in ("invoiced", "paid", "open", "balanced")} == {
        "invoiced": "1200.50",
        "paid": "1200.50",
        "open": "0.00",
        "balanced": True,
    }
