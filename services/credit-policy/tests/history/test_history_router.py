"""GET /v1/customers/{id}/history: who changed what, when, from what to what, and why."""

import uuid
from collections.abc import Awaitable, Callable

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from receivables_shared.auth.keys import Scope, issue_api_key
from receivables_shared.clock import ManualClock
from receivables_shared.testing.helpers import api_key_headers
from receivables_shared.testing.pagination import (
    assert_bad_cursors_are_422_naming_cursor,
    page_through,
)

NewCustomer = Callable[..., Awaitable[uuid.UUID]]


async def test_history_is_newest_first_with_actor_before_after_and_reason(
    client: httpx.AsyncClient,
    session: AsyncSession,
    clock: ManualClock,
    new_customer: NewCustomer,
    assessed: Callable[[uuid.UUID], Awaitable[None]],
) -> None:
    customer_id = await new_customer()
    await assessed(customer_id)
    base = f"/v1/customers/{customer_id}"
    issued = await issue_api_key(session, name="anna-credit", scopes=[Scope.APPROVE])
    anna = {"Authorization": f"Bearer {issued.secret}"}
    await client.put(
        f"{base}/risk-class", json={"risk_class": "B", "reason": "references"}, headers=anna
    )
    await client.put(
        f"{base}/terms", json={"overrides": {"grace_days": 10}, "reason": "harvest"}, headers=anna
    )
    await client.put(
        f"{base}/credit-limit",
        json={"amount": "4000.00", "currency": "EUR", "reason": "first year"},
        headers=anna,
    )
    await client.put(
        f"{base}/credit-decision",
        json={"credit_allowed": True, "reason": "solvent", "facts": {"equity": "90000"}},
        headers=anna,
    )
    await client.put(
        f"{base}/contract",
        json={
            "signed_on": "2026-03-02",
            "terms_version": 4,
            "clauses": ["suspend_service", "late_interest"],
        },
        headers=anna,
    )

    response = await client.get(f"{base}/history")

    assert response.status_code == 200
    entries = response.json()["items"]
    assert [(e["change"], e["term"], e["before"], e["after"], e["reason"]) for e in entries] == [
        (
            "contract",
            None,
            None,
            {
                "signed_on": "2026-03-02",
                "terms_version": 4,
                "clauses": ["late_interest", "suspend_service"],
            },
            "contract signed on 2026-03-02 confirming terms version 4",
        ),
        (
            "credit_decision",
            None,
            {"credit_allowed": False, "facts": {}},
            {"credit_allowed": True, "facts": {"equity": "90000"}},
            "solvent",
        ),
        ("credit_limit", None, None, "4000.00", "first year"),
        ("term_override", "grace_days", None, 10, "harvest"),
        ("risk_class", None, None, "B", "references"),
    ]
    assert {(e["actor"], e["source"]) for e in entries} == {("anna-credit", "api")}
    assert {e["recorded_at"] for e in entries} == {clock.now().isoformat().replace("+00:00", "Z")}


async def test_history_pages_with_a_cursor(
    client: httpx.AsyncClient, new_customer: NewCustomer
) -> None:
    customer_id = await new_customer()
    base = f"/v1/customers/{customer_id}"
    for days in range(1, 6):
        await client.put(
            f"{base}/terms", json={"overrides": {"grace_days": days}, "reason": f"{days}"}
        )

    items = await page_through(client, f"{base}/history", limit=2)

    assert [item["after"] for item in items] == [5, 4, 3, 2, 1]
    await assert_bad_cursors_are_422_naming_cursor(
        client, f"{base}/history", list_name="credit-history", key_size=1
    )


async def test_history_needs_a_read_key_and_a_known_customer(
    client: httpx.AsyncClient, session: AsyncSession, new_customer: NewCustomer
) -> None:
    customer_id = await new_customer()
    read_only = await api_key_headers(session, Scope.READ)

    readable = await client.get(f"/v1/customers/{customer_id}/history", headers=read_only)
    unknown = await client.get(f"/v1/customers/{uuid.uuid4()}/history")

    assert (readable.status_code, readable.json()["items"]) == (200, [])
    assert unknown.status_code == 404
