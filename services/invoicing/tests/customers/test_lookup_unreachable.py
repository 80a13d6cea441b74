"""Invoicing configured to ask credit-policy, which does not answer (nothing listens there).

The customer asked of a running credit-policy is covered end to end, in
tests/e2e/test_read_your_writes_fetch.py."""

import uuid
from typing import Any

import httpx
import pydantic
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.customers.models import KnownCustomer
from invoicing.customers.repository import KnownCustomerRepository
from invoicing.invoices.models import Invoice
from invoicing.settings import Settings
from receivables_shared.devstack.network import free_port
from receivables_shared.outbox.models import OutboxEvent

LINE = {"description": "Pallets", "quantity": "2", "unit_price": "600.25"}


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {
        "credit_policy_url": f"http://127.0.0.1:{free_port()}",  # closed again: refuses
        "credit_policy_api_key": "rk_test_unused",
        "credit_policy_timeout_seconds": 1.0,
    }


async def count(session: AsyncSession, model: type[Any]) -> int:
    return await session.scalar(select(func.count()).select_from(model)) or 0


async def test_unknown_customer_while_credit_policy_is_down_is_a_503_and_writes_nothing(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = uuid.uuid4()
    body = {"customer_id": str(customer_id), "currency": "EUR", "lines": [LINE]}

    response = await client.post("/v1/invoices", json=body)

    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "credit-policy" in response.json()["detail"]
    assert "try again" in response.json()["detail"]
    for model in (Invoice, OutboxEvent, KnownCustomer):
        assert await count(session, model) == 0


async def test_a_known_customer_is_invoiced_without_asking_credit_policy(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = uuid.uuid4()
    await KnownCustomerRepository(session).upsert(
        customer_id=customer_id, name="SIA Koks", language="lv", currency="EUR"
    )
    body = {"customer_id": str(customer_id), "currency": "EUR", "lines": [LINE]}

    response = await client.post("/v1/invoices", json=body)

    assert response.status_code == 201, response.text


def test_a_credit_policy_url_needs_a_key() -> None:
    with pytest.raises(pydantic.ValidationError, match="CREDIT_POLICY_API_KEY"):
        Settings(credit_policy_url="http://127.0.0.1:8001", credit_policy_api_key=None)
