"""GET /v1/invoices: cursor pages and filters; GET /v1/invoices/issue-delays (requirement 12)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.testing import create_known_customer, error_fields, issue, stored_invoice
from receivables_shared.auth.keys import Scope, issue_api_key
from receivables_shared.clock import ManualClock
from receivables_shared.testing.pagination import (
    assert_bad_cursors_are_422_naming_cursor,
    assert_limit_is_bounded,
    page_through,
)


def numbers(items: list[dict[str, str]]) -> list[str]:
    return sorted(item["number"] for item in items)


async def listed(client: httpx.AsyncClient, **params: str) -> list[str]:
    response = await client.get("/v1/invoices", params=params)
    assert response.status_code == 200, response.text
    return numbers(response.json()["items"])


async def test_paging_returns_every_invoice_once(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)
    for _ in range(7):
        await issue(client, customer_id)

    items = await page_through(client, "/v1/invoices", limit=3)

    assert numbers(items) == [f"INV-2026-{n:06d}" for n in range(1, 8)]
    assert "lines" not in items[0]  # the list is a summary
    await assert_bad_cursors_are_422_naming_cursor(
        client, "/v1/invoices", list_name="invoices", key_size=2
    )
    await assert_limit_is_bounded(client, "/v1/invoices")


async def test_filters_by_customer_state_due_date_order_reference_and_overdue(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    koks, other = await create_known_customer(session), await create_known_customer(session)
    early = await issue(client, koks, issue_date="2026-01-05", order_reference="PO-1")  # due 2-04
    late = await issue(client, koks, order_reference="PO-2")  # due 2026-04-01
    foreign = await issue(client, other, issue_date="2026-01-05")
    paid = await stored_invoice(session, foreign["id"])
    paid.state, paid.open_amount = "paid", paid.open_amount * 0

    assert await listed(client, customer_id=str(koks)) == [early["number"], late["number"]]
    assert await listed(client, state="paid") == [foreign["number"]]
    assert await listed(client, due_before="2026-03-01") == [early["number"], foreign["number"]]
    assert await listed(client, order_reference="PO-2") == [late["number"]]
    assert await listed(client, overdue="true") == [early["number"]]  # today is 2026-03-02
    assert await listed(client, overdue="false") == [late["number"], foreign["number"]]
    clock.advance(timedelta(days=31))
    assert await listed(client, overdue="true") == [early["number"], late["number"]]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"state": "lost"}, "state"),
        ({"customer_id": "koks"}, "customer_id"),
        ({"due_before": "March"}, "due_before"),
        ({"overdue": "perhaps"}, "overdue"),
    ],
)
async def test_a_bad_filter_is_a_422_naming_it(
    client: httpx.AsyncClient, params: dict[str, str], field: str
) -> None:
    response = await client.get("/v1/invoices", params=params)

    assert response.status_code == 422
    assert error_fields(response) == [field]


async def test_issue_delays_per_issuing_system(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = await create_known_customer(session)
    erp = await issue_api_key(session, name="erp", scopes=[Scope.WRITE])
    erp_headers = {"Authorization": f"Bearer {erp.secret}"}
    now = clock.now()  # 2026-03-02 09:00 UTC
    for hours in (2, 14):
        completed = (now - timedelta(hours=hours)).isoformat()
        response = await client.post(
            "/v1/invoices",
            json={
                "customer_id": str(customer_id),
                "currency": "EUR",
                "completed_at": completed,
                "lines": [{"description": "Work", "unit_price": "10.00"}],
            },
            headers=erp_headers,
        )
        assert response.status_code == 201, response.text
    await issue(client, customer_id, completed_at=(now - timedelta(hours=30)).isoformat())
    await issue(client, customer_id)  # no completion time: not measurable

    response = await client.get("/v1/invoices/issue-delays?from=2026-03-02&to=2026-03-02")

    assert response.status_code == 200, response.text
    assert response.json() == {
        "from": "2026-03-02",
        "to": "2026-03-02",
        "systems": [
            {
                "issuing_system": "erp",
                "invoices": 2,
                "average_hours": "8.00",
                "max_hours": "14.00",
                "over_12_hours": 1,
            },
            {
                "issuing_system": "test",
                "invoices": 1,
                "average_hours": "30.00",
                "max_hours": "30.00",
                "over_12_hours": 1,
            },
        ],
        "without_completed_at": 1,
    }
    before = await client.get("/v1/invoices/issue-delays?from=2026-03-01&to=2026-03-01")
    assert before.json()["systems"] == []


async def test_issue_delays_needs_a_period_in_order(client: httpx.AsyncClient) -> None:
    reversed_period = await client.get("/v1/invoices/issue-delays?from=2026-03-02&to=2026-03-01")
    missing = await client.get("/v1/invoices/issue-delays?from=2026-03-02")

    assert (reversed_period.status_code, error_fields(reversed_period)) == (422, ["to"])
    assert (missing.status_code, error_fields(missing)) == (422, ["to"])
