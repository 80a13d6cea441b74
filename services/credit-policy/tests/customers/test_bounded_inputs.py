"""Text PostgreSQL cannot store (a NUL character) is a 422 naming the field, not a 500."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.customers.models import Customer
from receivables_shared.outbox.models import OutboxEvent

VALID = {"name": "SIA Koks", "country": "LV", "language": "lv", "currency": "EUR"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "SIA\x00Koks"),
        ("name", "\x00"),
        ("tax_id", "LV4000\x00"),
        ("country", "L\x00"),
        ("language", "\x00v"),
    ],
)
async def test_a_nul_character_is_a_422_naming_the_field_and_changes_nothing(
    client: httpx.AsyncClient, session: AsyncSession, field: str, value: str
) -> None:
    response = await client.post("/v1/customers", json={**VALID, field: value})

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == [field]
    counts = [
        await session.scalar(select(func.count()).select_from(table))
        for table in (Customer, OutboxEvent)
    ]
    assert counts == [0, 0]
