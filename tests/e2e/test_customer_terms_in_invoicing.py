"""CustomerTermsChanged on credit-policy's topic reaches invoicing's copy of the terms through
the real broker, and the next invoice takes its term and business-day rule from it; an older
terms version that arrives late is ignored."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from invoicing.terms.models import CustomerTerms
from invoicing.testing import terms_changed
from receivables_shared.consumer.models import InboxEvent
from receivables_shared.events import CustomerTermsChanged
from receivables_shared.events.cloudevents import encode_headers
from receivables_shared.testing.helpers import eventually
from receivables_shared.testing.kafka import started_producer
from tests.e2e.conftest import Platform

pytestmark = pytest.mark.e2e


async def publish(platform: Platform, event: CustomerTermsChanged) -> uuid.UUID:
    """As credit-policy's relay publishes it (same topic, key and CloudEvents headers)."""
    event_id = uuid.uuid4()
    producer = await started_producer(platform.bootstrap)
    try:
        await producer.send_and_wait(
            "credit-policy.events",
            key=str(event.customer_id).encode(),
            value=json.dumps(event.model_dump(mode="json")).encode(),
            headers=encode_headers(
                event_id=event_id,
                event_type=CustomerTermsChanged.event_type(),
                source="/credit-policy",
                time=datetime.now(UTC),
                correlation_id=None,
            ),
        )
    finally:
        await producer.stop()
    return event_id


async def terms_version(platform: Platform, customer_id: uuid.UUID) -> int | None:
    async with platform["invoicing"].session() as session:
        terms = await session.get(CustomerTerms, customer_id)
        return None if terms is None else terms.terms_version


async def handled(platform: Platform, event_id: uuid.UUID) -> bool:
    async with platform["invoicing"].session() as session:
        found = await session.scalar(
            select(func.count()).select_from(InboxEvent).where(InboxEvent.event_id == event_id)
        )
        return bool(found)


async def test_invoicing_issues_with_the_terms_credit_policy_announced(
    platform: Platform,
) -> None:
    created = await platform["credit-policy"].client.post(
        "/v1/customers",
        json={"name": "SIA Koks", "country": "LV", "language": "lv", "currency": "EUR"},
    )
    assert created.status_code == 201, created.text
    customer_id = uuid.UUID(created.json()["id"])

    await publish(platform, terms_changed(customer_id, 2, payment_term_days=14))
    stale = await publish(platform, terms_changed(customer_id, 1, payment_term_days=90))

    async def stale_handled() -> bool:
        return await handled(platform, stale)

    await eventually(stale_handled)
    assert await terms_version(platform, customer_id) == 2
    body = {
        "customer_id": str(customer_id),
        "currency": "EUR",
        "issue_date": "2026-03-02",
        "lines": [{"description": "Pallets", "unit_price": "100.00", "tax_rate": "21"}],
    }
    response = await platform["invoicing"].client.post("/v1/invoices", json=body)

    assert response.status_code == 201, response.text
    invoice = response.json()
    assert (invoice["due_date"], invoice["terms_version"], invoice["total"]) == (
        "2026-03-16",
        2,
        "121.00",
    )
