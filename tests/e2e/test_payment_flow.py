"""A payment end to end: recorded in invoicing's API, allocated, its events published by
invoicing's relay through the real broker, and collections and analytics showing the same
paid and open figures as invoicing."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from receivables_shared.testing.helpers import eventually
from tests.e2e.conftest import Platform
from tests.e2e.test_receivables_projections import create_customer, issue_invoice

pytestmark = pytest.mark.e2e


async def balances(platform: Platform, customer_id: uuid.UUID) -> tuple[Any, Any]:
    collections = await platform["collections"].client.get(f"/v1/customers/{customer_id}/balance")
    analytics = await platform["analytics"].client.get(
        "/v1/receivables/balance", params={"customer_id": str(customer_id)}
    )
    assert (collections.status_code, analytics.status_code) == (200, 200)
    return collections.json()["balances"], analytics.json()["balances"]


async def test_a_payment_moves_the_open_amount_in_invoicing_collections_and_analytics(
    platform: Platform,
) -> None:
    customer_id = await create_customer(platform)
    invoice = await issue_invoice(platform, customer_id)  # 1200.50 EUR

    paid = await platform["invoicing"].client.post(
        "/v1/payments",
        json={
            "customer_id": str(customer_id),
            "amount": "200.50",
            "currency": "EUR",
            "reference": invoice["rf_reference"],
        },
    )

    assert paid.status_code == 201, paid.text
    assert paid.json()["state"] == "applied"
    stored = await platform["invoicing"].client.get(f"/v1/invoices/{invoice['id']}")
    assert (stored.json()["open_amount"], stored.json()["state"]) == ("1000.00", "partially_paid")

    async def consumed() -> tuple[Any, Any] | None:
        collections, analytics = await balances(platform, customer_id)
        figures = [
            (row["currency"], row["paid"], row["open"]) for row in (*collections, *analytics)
        ]
        if figures == [("EUR", "200.50", "1000.00")] * 2:
            return collections, analytics
        return None

    collections, analytics = await eventually(consumed)
    assert collections == analytics
