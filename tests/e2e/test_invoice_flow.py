"""Customer -> invoice -> InvoiceIssued consumed by collections, notifications and analytics,
all through the real broker; redelivery changes nothing; a malformed event is dead-lettered."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from analytics.receivables.models import InvoiceFact
from receivables_shared.consumer.models import InboxEvent
from receivables_shared.events.cloudevents import encode_headers
from receivables_shared.outbox.models import OutboxEvent
from receivables_shared.testing.helpers import eventually
from receivables_shared.testing.kafka import header, read_topic, started_producer
from tests.e2e.conftest import Platform

pytestmark = pytest.mark.e2e

CONSUMERS = ("collections", "notifications", "analytics")


async def create_customer(platform: Platform) -> str:
    response = await platform["credit-policy"].client.post(
        "/v1/customers",
        json={"name": "SIA Koks", "country": "LV", "language": "lv", "currency": "EUR"},
    )
    assert response.status_code == 201, response.text
    customer_id: str = response.json()["id"]
    return customer_id


async def issue_invoice(platform: Platform, customer_id: str, amount: str) -> dict[str, Any]:
    """Retries while invoicing has not yet learnt of the customer from CustomerCreated."""
    body = {
        "customer_id": customer_id,
        "currency": "EUR",
        "lines": [{"description": "Pallets", "quantity": "2", "unit_price": amount}],
    }

    async def issued() -> dict[str, Any] | None:
        response = await platform["invoicing"].client.post("/v1/invoices", json=body)
        if response.status_code == 422 and "customer_id" in response.text:
            return None
        assert response.status_code == 201, response.text
        invoice: dict[str, Any] = response.json()
        return invoice

    return await eventually(issued)


async def seen_by_all(platform: Platform, customer_id: str, count: int) -> bool:
    receivables = await platform["collections"].client.get(
        f"/v1/customers/{customer_id}/receivables"
    )
    messages = await platform["notifications"].client.get(f"/v1/customers/{customer_id}/messages")
    async with platform["analytics"].session() as session:
        facts = await session.scalar(
            select(func.count()).where(InvoiceFact.customer_id == uuid.UUID(customer_id))
        )
    return (
        len(receivables.json()["items"]) == count
        and len(messages.json()["items"]) == count
        and facts == count
    )


async def inbox_count(platform: Platform, service: str, event_id: uuid.UUID) -> int:
    async with platform[service].session() as session:
        count = await session.scalar(
            select(func.count()).select_from(InboxEvent).where(InboxEvent.event_id == event_id)
        )
    return count or 0


async def invoice_event_row(platform: Platform, invoice_id: str) -> OutboxEvent:
    async with platform["invoicing"].session() as session:
        row = await session.scalar(
            select(OutboxEvent).where(OutboxEvent.payload["invoice_id"].astext == invoice_id)
        )
    assert row is not None
    return row


async def test_issued_invoice_reaches_every_consumer_once(platform: Platform) -> None:
    customer_id = await create_customer(platform)

    invoice = await issue_invoice(platform, customer_id, "600.25")

    assert invoice["total"] == "1200.50"

    async def everywhere() -> bool:
        return await seen_by_all(platform, customer_id, 1)

    await eventually(everywhere)
    receivables = await platform["collections"].client.get(
        f"/v1/customers/{customer_id}/receivables"
    )
    assert receivables.json()["items"][0]["amount_due"] == "1200.50"
    row = await invoice_event_row(platform, invoice["id"])
    for service in CONSUMERS:
        assert await inbox_count(platform, service, row.event_id) == 1


async def test_delivering_the_same_event_twice_changes_nothing(platform: Platform) -> None:
    customer_id = await create_customer(platform)
    first = await issue_invoice(platform, customer_id, "10.00")

    async def first_seen() -> bool:
        return await seen_by_all(platform, customer_id, 1)

    await eventually(first_seen)
    row = await invoice_event_row(platform, first["id"])
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
    # Same customer, same partition: once the second invoice is seen, the duplicate was read.
    await issue_invoice(platform, customer_id, "20.00")

    async def second_seen() -> bool:
        return await seen_by_all(platform, customer_id, 2)

    await eventually(second_seen)
    assert await seen_by_all(platform, customer_id, 2)
    for service in CONSUMERS:
        assert await inbox_count(platform, service, row.event_id) == 1


async def test_malformed_event_is_dead_lettered_and_consumers_carry_on(platform: Platform) -> None:
    customer_id = await create_customer(platform)
    marker = f"not an event {uuid.uuid4()}".encode()
    producer = await started_producer(platform.bootstrap)
    try:
        await producer.send_and_wait("invoicing.events", key=customer_id.encode(), value=marker)
    finally:
        await producer.stop()

    await issue_invoice(platform, customer_id, "5.00")

    async def after_it() -> bool:
        return await seen_by_all(platform, customer_id, 1)

    await eventually(after_it)
    for service in CONSUMERS:
        parked = await read_topic(
            platform.bootstrap, f"{service}.dlq", lambda rs: any(r.value == marker for r in rs)
        )
        record = next(r for r in parked if r.value == marker)
        assert header(record, "dlq_consumer_group") == service
        assert header(record, "dlq_original_topic") == "invoicing.events"
        assert "missing CloudEvents headers" in (header(record, "dlq_error") or "")
