"""Read-your-writes without credit-policy configured: invoicing waits briefly for the event.

The platform fixture runs invoicing with no INVOICING_CREDIT_POLICY_URL, so an invoice for a
customer created a moment ago waits (up to INVOICING_CUSTOMER_EVENT_WAIT_SECONDS) until
CustomerCreated has come through the real broker."""

from __future__ import annotations

import uuid

import httpx
import pytest

from receivables_shared.testing.helpers import eventually
from tests.e2e.conftest import Platform

pytestmark = pytest.mark.e2e

LINES = [{"description": "Pallets", "quantity": "2", "unit_price": "600.25"}]


async def create_customer(platform: Platform) -> str:
    response = await platform["credit-policy"].client.post(
        "/v1/customers",
        json={"name": "SIA Koks", "country": "LV", "language": "lv", "currency": "EUR"},
    )
    assert response.status_code == 201, response.text
    customer_id: str = response.json()["id"]
    return customer_id


async def invoice(platform: Platform, customer_id: str) -> httpx.Response:
    return await platform["invoicing"].client.post(
        "/v1/invoices", json={"customer_id": customer_id, "currency": "EUR", "lines": LINES}
    )


async def test_fifty_customers_invoiced_the_moment_they_are_created(platform: Platform) -> None:
    # Once, before: the invoicing consumer has joined its group (that can take seconds).
    first = await create_customer(platform)

    async def consumer_reads_events() -> bool:
        return (await invoice(platform, first)).status_code == 201

    await eventually(consumer_reads_events)

    for attempt in range(50):
        customer_id = await create_customer(platform)
        response = await invoice(platform, customer_id)
        assert response.status_code == 201, (attempt, response.text)
        assert response.json()["customer_id"] == customer_id


async def test_a_customer_that_does_not_exist_is_still_a_422(platform: Platform) -> None:
    customer_id = str(uuid.uuid4())

    response = await invoice(platform, customer_id)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "customer_id"
    assert "not known" in response.json()["detail"]
