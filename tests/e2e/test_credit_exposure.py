"""Invoices issued and paid in invoicing (its own API: POST /v1/invoices, POST /v1/payments) move
exposure in credit-policy through the real broker; overdue beyond grace places a hold, and the
payment releases it."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest

from credit_policy import testing
from credit_policy.holds.service import place_overdue_holds
from receivables_shared.clock import ManualClock, SystemClock
from receivables_shared.testing.helpers import eventually
from tests.e2e.conftest import Platform
from tests.e2e.test_invoice_flow import create_customer, issue_invoice

pytestmark = pytest.mark.e2e


async def grant_credit(platform: Platform, customer_id: uuid.UUID, limit: str) -> None:
    """A class with no grace, a signed contract and a credit decision."""
    async with platform["credit-policy"].session() as session, session.begin():
        await testing.grant_credit(
            session, SystemClock(), customer_id, class_key="e2e", limit=Decimal(limit)
        )


async def check(platform: Platform, customer_id: uuid.UUID) -> dict[str, Any]:
    response = await platform["credit-policy"].client.post(
        "/v1/credit-checks",
        json={
            "customer_id": str(customer_id),
            "amount": "1.00",
            "currency": "EUR",
            "order_reference": "SO-e2e",
        },
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def test_exposure_follows_invoicing_and_a_payment_releases_the_overdue_hold(
    platform: Platform,
) -> None:
    customer_id = uuid.UUID(await create_customer(platform))
    await grant_credit(platform, customer_id, "5000.00")

    invoice = await issue_invoice(platform, str(customer_id), "600.25")

    async def exposed() -> dict[str, Any] | None:
        answer = await check(platform, customer_id)
        return answer if answer["exposure"] == "1200.50" else None

    answer = await eventually(exposed)
    assert (answer["decision"], answer["available"]) == ("approved", "3799.50")

    # The holds job, run as of the day after the due date (no grace).
    day_after = date.fromisoformat(invoice["due_date"]) + timedelta(days=1)
    job_clock = ManualClock(datetime.combine(day_after, time(6), tzinfo=UTC))
    async with platform["credit-policy"].session() as session, session.begin():
        placed = await place_overdue_holds(session, job_clock)
    assert customer_id in {hold.customer_id for hold in placed}
    on_hold = await check(platform, customer_id)
    assert (on_hold["decision"], on_hold["reasons"]) == ("declined", ["on_hold"])

    # The customer pays the invoice in full: invoicing allocates it and tells everyone.
    paid = await platform["invoicing"].client.post(
        "/v1/payments",
        json={
            "customer_id": str(customer_id),
            "amount": "1200.50",
            "currency": "EUR",
            "received_on": day_after.isoformat(),
            "reference": invoice["rf_reference"],
        },
    )
    assert paid.status_code == 201, paid.text
    assert paid.json()["state"] == "applied"

    async def released() -> dict[str, Any] | None:
        response = await platform["credit-policy"].client.get(f"/v1/customers/{customer_id}/holds")
        (hold,) = response.json()["items"]
        return hold if hold["released_on"] else None

    hold = await eventually(released)
    assert (hold["reason"], hold["release_reason"]) == ("overdue_beyond_grace", "overdue_paid")
    after = await check(platform, customer_id)
    assert (after["decision"], after["exposure"]) == ("approved", "0.00")
