"""Risk classes are data managed through the API; a change reaches every customer of the class."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.history.models import CreditHistoryEntry
from credit_policy.risk_classes.models import RiskClass
from receivables_shared.auth.keys import Scope
from receivables_shared.outbox.models import OutboxEvent
from receivables_shared.testing.helpers import api_key_headers

NewCustomer = Callable[..., Awaitable[uuid.UUID]]
EventsOf = Callable[[uuid.UUID], Awaitable[list[dict[str, Any]]]]

CLASS = {
    "name": "Key accounts",
    "credit_allowed": True,
    "default_credit_limit": "50000.00",
    "payment_term_days": 45,
    "business_day_rule": "next_business_day",
    "prepayment_percent": "0",
    "early_payment_discount_percent": "2.5",
    "early_payment_discount_days": 10,
    "late_interest_percent_per_month": "1",
    "interest_grace_days": 5,
    "grace_days": 14,
    "dunning_policy": "gentle",
    "reason": "new segment",
}


async def test_the_seeded_classes_are_listed(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/risk-classes")

    assert response.status_code == 200
    classes = {c["key"]: c for c in response.json()["items"]}
    assert list(classes) == ["A", "B", "C", "D", "PREPAY"]
    assert classes["PREPAY"]["credit_allowed"] is False
    assert classes["PREPAY"]["prepayment_percent"] == "100.00"
    assert classes["PREPAY"]["default_credit_limit"] is None
    assert classes["A"]["default_credit_limit"] == "20000.000"


async def test_put_creates_then_reads_a_class(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    created = await client.put("/v1/risk-classes/KEY", json=CLASS)
    read = await client.get("/v1/risk-classes/KEY")

    assert created.status_code == 201, created.text
    assert read.status_code == 200
    assert read.json() == created.json()
    assert (read.json()["version"], read.json()["payment_term_days"]) == (1, 45)
    assert read.json()["early_payment_discount_percent"] == "2.50"
    # A class without customers announces nothing.
    assert await session.scalar(select(func.count()).select_from(OutboxEvent)) == 0


async def test_unknown_class_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/risk-classes/NOPE")

    assert response.status_code == 404


async def test_changing_a_class_re_announces_the_terms_of_its_customers_only(
    client: httpx.AsyncClient,
    session: AsyncSession,
    new_customer: NewCustomer,
    events_of: EventsOf,
) -> None:
    await client.put("/v1/risk-classes/KEY", json=CLASS)
    members = [await new_customer(name=f"Member {n}") for n in range(3)]
    outsider = await new_customer(name="Outsider")
    for customer_id in members:
        await client.put(
            f"/v1/customers/{customer_id}/risk-class", json={"risk_class": "KEY", "reason": "r"}
        )
    await client.put(
        f"/v1/customers/{outsider}/risk-class", json={"risk_class": "B", "reason": "r"}
    )
    await client.put(
        f"/v1/customers/{members[0]}/terms",
        json={"overrides": {"grace_days": 30}, "reason": "seasonal business"},
    )

    changed = await client.put(
        "/v1/risk-classes/KEY", json={**CLASS, "grace_days": 21, "reason": "tighter"}
    )

    assert changed.status_code == 200
    assert (changed.json()["version"], changed.json()["grace_days"]) == (2, 21)
    last = [(await events_of(customer_id))[-1] for customer_id in members]
    assert [e["grace_days"] for e in last] == [30, 21, 21]  # the override still wins
    assert [e["terms_version"] for e in last] == [4, 3, 3]
    assert [e["risk_class"] for e in last] == ["KEY"] * 3
    assert len(await events_of(outsider)) == 2  # created, classed: nothing from KEY
    entries = (
        await session.scalars(
            select(CreditHistoryEntry).where(CreditHistoryEntry.change == "risk_class_terms")
        )
    ).all()
    assert sorted(e.customer_id for e in entries) == sorted(members)
    assert {(e.term, e.source, e.reason) for e in entries} == {("KEY", "risk_class", "tighter")}
    assert [(e.before, e.after) for e in entries] == [({"grace_days": 14}, {"grace_days": 21})] * 3


async def test_a_repeat_or_a_new_name_re_announces_nothing(
    client: httpx.AsyncClient, session: AsyncSession, new_customer: NewCustomer
) -> None:
    await client.put("/v1/risk-classes/KEY", json=CLASS)
    customer_id = await new_customer()
    await client.put(
        f"/v1/customers/{customer_id}/risk-class", json={"risk_class": "KEY", "reason": "r"}
    )
    events = await session.scalar(select(func.count()).select_from(OutboxEvent))

    repeat = await client.put("/v1/risk-classes/KEY", json=CLASS)
    renamed = await client.put("/v1/risk-classes/KEY", json={**CLASS, "name": "Key clients"})

    assert (repeat.json()["version"], renamed.json()["version"]) == (1, 2)
    assert await session.scalar(select(func.count()).select_from(OutboxEvent)) == events


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"payment_term_days": 366}, "payment_term_days"),
        ({"grace_days": -1}, "grace_days"),
        ({"interest_grace_days": 400}, "interest_grace_days"),
        ({"prepayment_percent": "100.01"}, "prepayment_percent"),
        ({"early_payment_discount_percent": "-1"}, "early_payment_discount_percent"),
        ({"late_interest_percent_per_month": "1.234"}, "late_interest_percent_per_month"),
        ({"late_interest_percent_per_month": 1}, "late_interest_percent_per_month"),
        ({"business_day_rule": "whenever"}, "business_day_rule"),
        ({"default_credit_limit": "0"}, "default_credit_limit"),
        ({"default_credit_limit": "-10"}, "default_credit_limit"),
        ({"credit_allowed": False, "prepayment_percent": "50"}, "prepayment_percent"),
        ({"early_payment_discount_days": 60}, "early_payment_discount_days"),
        ({"name": ""}, "name"),
        ({"colour": "red"}, "colour"),
        ({"reason": None}, "reason"),
    ],
)
async def test_bad_class_is_a_422_naming_the_field_and_changes_nothing(
    client: httpx.AsyncClient, session: AsyncSession, change: dict[str, Any], field: str
) -> None:
    before = (await client.get("/v1/risk-classes/B")).json()

    response = await client.put("/v1/risk-classes/B", json={**CLASS, **change})
    created = await client.put("/v1/risk-classes/NEW", json={**CLASS, **change})

    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert created.status_code == 422
    assert (await client.get("/v1/risk-classes/B")).json() == before
    assert await session.get(RiskClass, "NEW") is None


async def test_bad_key_is_a_422_naming_it(client: httpx.AsyncClient) -> None:
    response = await client.put("/v1/risk-classes/lower", json=CLASS)

    assert response.status_code == 422
    assert response.json()["errors"][0] == {
        "field": "key",
        "location": "path",
        "message": response.json()["errors"][0]["message"],
    }


async def test_changing_classes_needs_the_approve_scope(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    write_only = await api_key_headers(session, Scope.READ, Scope.WRITE)

    listing = await client.get("/v1/risk-classes", headers=write_only)
    refused = await client.put("/v1/risk-classes/KEY", json=CLASS, headers=write_only)
    allowed = await client.put(
        "/v1/risk-classes/KEY", json=CLASS, headers=await api_key_headers(session, Scope.APPROVE)
    )

    assert listing.status_code == 200
    assert refused.status_code == 403
    assert allowed.status_code == 201
