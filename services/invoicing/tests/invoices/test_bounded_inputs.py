"""Input the database or date arithmetic cannot take is a 422 naming the field; the business date
is the seller's (Europe/Riga by default), not UTC's."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.customers.repository import KnownCustomerRepository
from invoicing.invoices.models import Invoice
from receivables_shared.clock import ManualClock
from receivables_shared.outbox.models import OutboxEvent

NUL = "\x00"
LINE = {"description": "Pallets", "quantity": "2", "unit_price": "600.25"}


async def create_known_customer(session: AsyncSession) -> uuid.UUID:
    customer_id = uuid.uuid4()
    await KnownCustomerRepository(session).upsert(
        customer_id=customer_id, name="SIA Koks", language="lv", currency="EUR"
    )
    return customer_id


def invoice_body(customer_id: uuid.UUID, **overrides: Any) -> dict[str, Any]:
    return {"customer_id": str(customer_id), "currency": "EUR", "lines": [LINE], **overrides}


async def rows(session: AsyncSession, table: type[Invoice] | type[OutboxEvent]) -> int:
    return await session.scalar(select(func.count()).select_from(table)) or 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"lines": [{**LINE, "description": f"Pallets{NUL}"}]}, "lines[0].description"),
        ({"currency": f"EU{NUL}"}, "currency"),
        ({"issue_date": "9999-12-31"}, "issue_date"),  # + 30 days overflowed: a 500
        ({"issue_date": "9999-12-31", "payment_term_days": 0}, "issue_date"),
        ({"due_date": "9999-12-31"}, "due_date"),
        ({"issue_date": "0001-01-01"}, "issue_date"),
    ],
    ids=[
        "nul-in-line",
        "nul-in-currency",
        "issue-overflow",
        "issue-at-end",
        "due-at-end",
        "year-1",
    ],
)
async def test_unstorable_values_are_a_422_naming_the_field_and_change_nothing(
    client: httpx.AsyncClient, session: AsyncSession, overrides: dict[str, Any], field: str
) -> None:
    customer_id = await create_known_customer(session)

    response = await client.post("/v1/invoices", json=invoice_body(customer_id, **overrides))

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert (await rows(session, Invoice), await rows(session, OutboxEvent)) == (0, 0)


async def test_just_after_midnight_in_riga_is_the_new_year_in_the_number_series(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = await create_known_customer(session)
    clock.set(datetime(2026, 12, 31, 21, 59, tzinfo=UTC))  # 23:59 in Riga
    old_year = (await client.post("/v1/invoices", json=invoice_body(customer_id))).json()

    clock.set(datetime(2026, 12, 31, 22, 30, tzinfo=UTC))  # 00:30 on 1 January in Riga
    new_year = (await client.post("/v1/invoices", json=invoice_body(customer_id))).json()

    assert (old_year["issue_date"], old_year["number"]) == ("2026-12-31", "INV-2026-000001")
    assert (new_year["issue_date"], new_year["number"]) == ("2027-01-01", "INV-2027-000001")
    # 2027-01-31 is a Sunday: the default rule moves it to Monday.
    assert new_year["due_date"] == "2027-02-01"


@pytest.mark.parametrize("completed_at", ["0001-01-01T00:00:00+00:00", "1899-12-31T23:00:00Z"])
async def test_a_completion_time_outside_the_business_years_is_a_422(
    client: httpx.AsyncClient, session: AsyncSession, completed_at: str
) -> None:
    # asyncpg would store 0001-01-01 as -infinity, and the issue-delay report would fail on it.
    customer_id = await create_known_customer(session)

    response = await client.post(
        "/v1/invoices", json=invoice_body(customer_id, completed_at=completed_at)
    )

    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == ["completed_at"]
    assert await rows(session, Invoice) == 0
