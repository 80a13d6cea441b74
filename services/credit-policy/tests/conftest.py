import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.definition import SERVICE
from receivables_shared.outbox.models import OutboxEvent
from receivables_shared.testing.service import service_fixtures

globals().update(service_fixtures(SERVICE))


# Helpers of the terms, risk class and history tests (one conftest per service: mypy would
# see two modules named "conftest").
@pytest.fixture
def new_customer(client: httpx.AsyncClient) -> Callable[..., Awaitable[uuid.UUID]]:
    """Create a customer through the API; its id."""

    async def make(currency: str = "EUR", name: str = "SIA Koks") -> uuid.UUID:
        response = await client.post(
            "/v1/customers",
            json={"name": name, "country": "LV", "language": "lv", "currency": currency},
        )
        assert response.status_code == 201, response.text
        return uuid.UUID(response.json()["id"])

    return make


@pytest.fixture
def events_of(session: AsyncSession) -> Callable[[uuid.UUID], Awaitable[list[dict[str, Any]]]]:
    """The customer's CustomerTermsChanged payloads, in the order they were recorded."""

    async def read(customer_id: uuid.UUID) -> list[dict[str, Any]]:
        rows = await session.scalars(
            select(OutboxEvent)
            .where(
                OutboxEvent.event_type == "receivables.CustomerTermsChanged.v1",
                OutboxEvent.partition_key == str(customer_id),
            )
            .order_by(OutboxEvent.id)
        )
        return [row.payload for row in rows]

    return read
