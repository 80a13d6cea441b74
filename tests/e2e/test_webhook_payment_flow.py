"""Issue 9 end to end: a signed payment webhook for an invoice is acknowledged, applied by
invoicing's worker, and its events move the open amount in invoicing, the exposure in
credit-policy and the open amount in collections and analytics, through the real broker."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest

from receivables_shared.devstack.webhooks import payment_payload, signed_request
from receivables_shared.testing.helpers import eventually
from tests.e2e.conftest import WEBHOOK_SECRET, WEBHOOK_SOURCE, Platform
from tests.e2e.test_payment_flow import balances
from tests.e2e.test_receivables_projections import create_customer, issue_invoice

pytestmark = pytest.mark.e2e


async def exposure(platform: Platform, customer_id: uuid.UUID) -> list[dict[str, Any]]:
    response = await platform["credit-policy"].client.get(f"/v1/customers/{customer_id}/exposure")
    assert response.status_code == 200, response.text
    currencies: list[dict[str, Any]] = response.json()["currencies"]
    return currencies


async def test_a_payment_webhook_moves_the_open_amount_everywhere(platform: Platform) -> None:
    customer_id = await create_customer(platform)
    invoice = await issue_invoice(platform, customer_id)  # 1200.50 EUR

    async def exposed(open_receivables: str) -> bool | None:
        rows = await exposure(platform, customer_id)
        return True if [row["open_receivables"] for row in rows] == [open_receivables] else None

    await eventually(lambda: exposed("1200.50"))

    payload = payment_payload(
        amount="200.50",
        currency="EUR",
        received_on=date.today(),
        reference=invoice["rf_reference"],
        payer_name="SIA Koks",
    )
    body, headers = signed_request(WEBHOOK_SECRET, payload)
    url = f"/v1/webhooks/payments/{WEBHOOK_SOURCE}"
    acknowledged = await platform["invoicing"].client.post(url, content=body, headers=headers)
    again = await platform["invoicing"].client.post(url, content=body, headers=headers)

    assert acknowledged.status_code == 202, acknowledged.text
    assert again.status_code == 202  # the sender's retry: stored once, applied once

    async def applied() -> dict[str, Any] | None:
        response = await platform["invoicing"].client.get(f"/v1/invoices/{invoice['id']}")
        stored: dict[str, Any] = response.json()
        return stored if stored["open_amount"] == "1000.00" else None

    stored = await eventually(applied)
    assert stored["state"] == "partially_paid"
    await eventually(lambda: exposed("1000.00"))

    async def consumed() -> tuple[Any, Any] | None:
        collections, analytics = await balances(platform, customer_id)
        figures = [
            (row["currency"], row["paid"], row["open"]) for row in (*collections, *analytics)
        ]
        return (collections, analytics) if figures == [("EUR", "200.50", "1000.00")] * 2 else None

    collections, analytics = await eventually(consumed)
    assert collections == analytics
    deliveries = await platform["invoicing"].client.get(
        "/v1/webhooks/deliveries", params={"source": WEBHOOK_SOURCE}
    )
    states = [item["state"] for item in deliveries.json()["items"]]
    assert states == ["applied"]
