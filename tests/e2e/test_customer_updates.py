"""A customer's master data changed in credit-policy reaches invoicing's copy through the real
broker: PUT by external id -> CustomerCreated, PUT with a change -> CustomerUpdated, applied."""

from __future__ import annotations

import uuid

import pytest

from invoicing.customers.models import KnownCustomer
from receivables_shared.testing.helpers import eventually
from tests.e2e.conftest import Platform

pytestmark = pytest.mark.e2e

DOCUMENT = {
    "name": "SIA Koks",
    "country": "LV",
    "language": "lv",
    "currency": "EUR",
    "contacts": [{"role": "accountant", "email": "anna@koks.lv", "preferred_channel": "email"}],
}


async def known_to_invoicing(platform: Platform, customer_id: str) -> tuple[str, str] | None:
    async with platform["invoicing"].session() as session:
        customer = await session.get(KnownCustomer, uuid.UUID(customer_id))
        return None if customer is None else (customer.name, customer.language)


async def test_invoicing_applies_customer_updated(platform: Platform) -> None:
    credit_policy = platform["credit-policy"].client
    path = f"/v1/customers/by-external-id/ERP-{uuid.uuid4()}"
    created = await credit_policy.put(path, json=DOCUMENT)
    assert created.status_code == 201, created.text
    customer_id = created.json()["id"]

    async def learnt() -> bool:
        return await known_to_invoicing(platform, customer_id) == ("SIA Koks", "lv")

    await eventually(learnt)

    updated = await credit_policy.put(path, json={**DOCUMENT, "name": "Koks AS", "language": "en"})
    assert updated.status_code == 200, updated.text

    async def applied() -> bool:
        return await known_to_invoicing(platform, customer_id) == ("Koks AS", "en")

    await eventually(applied)
