"""Credit policy learns what the review and the ranking need through the real broker:
an invoice issued in invoicing, a broken promise from collections and a behaviour update from
analytics reach its consumer; the review job flags the customer; the assessment scores the
payment history."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from credit_policy.reviews.service import flag_reviews
from receivables_shared.clock import SystemClock
from receivables_shared.events import CustomerBehaviourUpdated, PromiseBroken
from receivables_shared.testing.helpers import eventually
from receivables_shared.testing.kafka import send_event, started_producer
from tests.e2e.conftest import Platform
from tests.e2e.test_invoice_flow import create_customer, issue_invoice

pytestmark = pytest.mark.e2e


async def test_events_from_three_services_feed_ranking_review_and_assessment(
    platform: Platform,
) -> None:
    credit_policy = platform["credit-policy"].client
    customer_id = await create_customer(platform)
    await issue_invoice(platform, customer_id, "600.25")

    async def ranked() -> dict[str, Any] | None:
        response = await credit_policy.get(
            "/v1/customers/ranking", params={"by": "revenue", "currency": "EUR", "limit": 1000}
        )
        items = [item for item in response.json()["items"] if item["customer_id"] == customer_id]
        return items[0] if items else None

    ranked_customer = await eventually(ranked)
    assert ranked_customer["revenue"] == "1200.500"

    today = SystemClock().today()
    producer = await started_producer(platform.bootstrap)
    try:
        await send_event(
            producer,
            PromiseBroken.topic(),
            PromiseBroken(
                customer_id=uuid.UUID(customer_id),
                promise_id=uuid.uuid4(),
                amount=Decimal("600.25"),
                currency="EUR",
                promised_for=today - timedelta(days=1),
            ),
        )
        await send_event(
            producer,
            CustomerBehaviourUpdated.topic(),
            CustomerBehaviourUpdated(
                customer_id=uuid.UUID(customer_id),
                average_days_late=Decimal("3.5"),
                on_time_share=Decimal("0.9"),
                trend="stable",
                broken_promises=1,
                as_of=today,
            ),
        )
    finally:
        await producer.stop()

    async def reviewed() -> list[dict[str, Any]] | None:
        async with platform["credit-policy"].session() as session:
            await flag_reviews(session, SystemClock(), clean_days=180, increase_percent=20)
            await session.commit()
        response = await credit_policy.get("/v1/reviews", params={"customer_id": customer_id})
        items: list[dict[str, Any]] = response.json()["items"]
        return items or None

    [review] = await eventually(reviewed)
    assert (review["reason"], review["worsening"]) == ("promise_broken", True)

    async def scored() -> dict[str, Any] | None:
        response = await credit_policy.post(
            f"/v1/customers/{customer_id}/assessments",
            json={"financials": {"currency": "EUR", "business_age_years": "4"}},
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body if body["facts"]["payment_history"] else None

    assessment = await eventually(scored)
    assert assessment["facts"]["payment_history"]["as_of"] == date.isoformat(today)
    assert assessment["facts"]["payment_history"]["broken_promises"] == 1
