"""A customer's terms through the REST API: class, overrides, limit, decision, contract."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.history.models import CreditHistoryEntry
from receivables_shared.auth.keys import Scope, issue_api_key
from receivables_shared.outbox.models import OutboxEvent
from receivables_shared.testing.helpers import api_key_headers

NewCustomer = Callable[..., Awaitable[uuid.UUID]]
EventsOf = Callable[[uuid.UUID], Awaitable[list[dict[str, Any]]]]

Assessed = Callable[[uuid.UUID], Awaitable[None]]
GRANT = {"credit_allowed": True, "reason": "assessed", "facts": {"equity": "120000.00"}}


async def approver(session: AsyncSession, name: str = "credit-controller") -> dict[str, str]:
    issued = await issue_api_key(session, name=name, scopes=[Scope.READ, Scope.APPROVE])
    return {"Authorization": f"Bearer {issued.secret}"}


async def counts(session: AsyncSession) -> tuple[int, int]:
    """Outbox rows and history entries: what a refused change must leave as it was."""
    outbox = await session.scalar(select(func.count()).select_from(OutboxEvent))
    history = await session.scalar(select(func.count()).select_from(CreditHistoryEntry))
    return int(outbox or 0), int(history or 0)


async def test_new_customer_terms_come_from_the_defaults_without_credit(
    client: httpx.AsyncClient, new_customer: NewCustomer
) -> None:
    customer_id = await new_customer()

    response = await client.get(f"/v1/customers/{customer_id}/terms")

    assert response.status_code == 200
    terms = response.json()
    assert (terms["risk_class"], terms["credit_allowed"], terms["credit_limit"]) == (
        None,
        False,
        None,
    )
    assert terms["prepayment_percent"] == "100.00"
    assert terms["sources"]["grace_days"] == "default"
    assert terms["sources"]["credit_limit"] == "none"
    assert terms["decision"] == {
        "credit_allowed": False,
        "reason": None,
        "decided_at": None,
        "facts": {},
    }
    assert terms["contract"] is None


async def test_unknown_customer_terms_are_404(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/v1/customers/{uuid.uuid4()}/terms")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_class_then_override_then_limit_each_announce_the_full_terms(
    client: httpx.AsyncClient, session: AsyncSession, new_customer: NewCustomer, events_of: EventsOf
) -> None:
    customer_id = await new_customer()
    headers = await approver(session)
    base = f"/v1/customers/{customer_id}"

    classed = await client.put(
        f"{base}/risk-class", json={"risk_class": "B", "reason": "references"}, headers=headers
    )
    overridden = await client.put(
        f"{base}/terms",
        json={
            "overrides": {"grace_days": 10, "late_interest_percent_per_month": "1.25"},
            "reason": "long-standing partner",
        },
        headers=headers,
    )
    limited = await client.put(
        f"{base}/credit-limit",
        json={"amount": "5000.00", "currency": "EUR", "reason": "turnover grew"},
        headers=headers,
    )

    assert (classed.status_code, overridden.status_code, limited.status_code) == (200, 200, 200)
    assert classed.json()["payment_term_days"] == 30
    assert classed.json()["grace_days"] == 7  # class B
    terms = limited.json()
    assert (terms["grace_days"], terms["sources"]["grace_days"]) == (10, "override")
    assert terms["late_interest_percent_per_month"] == "1.25"
    assert terms["sources"]["payment_term_days"] == "risk_class"
    assert (terms["credit_limit"], terms["sources"]["credit_limit"]) == ("5000.00", "customer")
    assert terms["terms_version"] == 4
    events = await events_of(customer_id)
    assert [e["terms_version"] for e in events] == [1, 2, 3, 4]
    assert (events[1]["risk_class"], events[1]["credit_limit"]) == ("B", "10000.00")
    assert events[2]["grace_days"] == 10
    assert events[2]["late_interest_percent_per_month"] == "1.25"
    assert events[3] == {
        "customer_id": str(customer_id),
        "terms_version": 4,
        "effective_on": "2026-03-02",
        "risk_class": "B",
        "credit_allowed": False,
        "currency": "EUR",
        "credit_limit": "5000.00",
        "payment_term_days": 30,
        "business_day_rule": "next_business_day",
        "prepayment_percent": "0.00",
        "early_payment_discount_percent": "1.00",
        "early_payment_discount_days": 7,
        "late_interest_percent_per_month": "1.25",
        "interest_grace_days": 3,
        "grace_days": 10,
        "dunning_policy": "standard",
        "special_control": False,
        "contract_clauses": [],
    }


async def test_an_override_sent_as_null_goes_back_to_the_class(
    client: httpx.AsyncClient, new_customer: NewCustomer, events_of: EventsOf
) -> None:
    customer_id = await new_customer()
    base = f"/v1/customers/{customer_id}"
    await client.put(f"{base}/risk-class", json={"risk_class": "C", "reason": "r"})
    await client.put(f"{base}/terms", json={"overrides": {"grace_days": 20}, "reason": "r"})

    response = await client.put(
        f"{base}/terms", json={"overrides": {"grace_days": None}, "reason": "back to normal"}
    )

    assert response.status_code == 200
    assert (response.json()["grace_days"], response.json()["sources"]["grace_days"]) == (
        3,
        "risk_class",
    )
    assert [e["grace_days"] for e in await events_of(customer_id)] == [0, 3, 20, 3]


async def test_a_change_to_the_same_value_announces_nothing(
    client: httpx.AsyncClient, session: AsyncSession, new_customer: NewCustomer
) -> None:
    customer_id = await new_customer()
    base = f"/v1/customers/{customer_id}"
    await client.put(f"{base}/risk-class", json={"risk_class": "A", "reason": "r"})
    before = await counts(session)

    again = await client.put(f"{base}/risk-class", json={"risk_class": "A", "reason": "r"})

    assert again.status_code == 200
    assert await counts(session) == before


async def test_credit_needs_a_decision_with_facts_a_credit_class_and_a_contract(
    client: httpx.AsyncClient, new_customer: NewCustomer, events_of: EventsOf, assessed: Assessed
) -> None:
    customer_id = await new_customer()
    await assessed(customer_id)
    base = f"/v1/customers/{customer_id}"

    unclassified = await client.put(f"{base}/credit-decision", json=GRANT)
    await client.put(f"{base}/risk-class", json={"risk_class": "A", "reason": "assessed"})
    no_facts = await client.put(f"{base}/credit-decision", json={**GRANT, "facts": {}})
    granted = await client.put(f"{base}/credit-decision", json=GRANT)
    signed = await client.put(
        f"{base}/contract",
        json={"signed_on": "2026-03-01", "terms_version": 2, "clauses": ["late_interest"]},
    )

    assert unclassified.status_code == 422
    assert unclassified.json()["errors"][0]["field"] == "credit_allowed"
    assert no_facts.status_code == 422
    assert no_facts.json()["errors"][0]["field"] == "facts"
    assert granted.status_code == 200
    # Granted but not yet agreed in a contract: still no credit (requirement 5).
    assert granted.json()["credit_allowed"] is False
    assert granted.json()["decision"]["credit_allowed"] is True
    assert granted.json()["decision"]["facts"] == {"equity": "120000.00"}
    assert signed.status_code == 200, signed.text
    assert signed.json()["credit_allowed"] is True
    assert signed.json()["credit_limit"] == "20000.00"
    assert signed.json()["contract"] == {
        "signed_on": "2026-03-01",
        "terms_version": 2,
        "clauses": ["late_interest"],
    }
    events = await events_of(customer_id)
    assert [e["credit_allowed"] for e in events] == [False, False, True]
    assert events[-1]["contract_clauses"] == ["late_interest"]


async def test_withdrawing_credit_stops_it(
    client: httpx.AsyncClient, new_customer: NewCustomer, events_of: EventsOf, assessed: Assessed
) -> None:
    customer_id = await new_customer()
    await assessed(customer_id)
    base = f"/v1/customers/{customer_id}"
    await client.put(f"{base}/risk-class", json={"risk_class": "A", "reason": "r"})
    await client.put(f"{base}/contract", json={"signed_on": "2026-03-01", "terms_version": 2})
    await client.put(f"{base}/credit-decision", json=GRANT)

    withdrawn = await client.put(
        f"{base}/credit-decision", json={"credit_allowed": False, "reason": "two months late"}
    )

    assert withdrawn.json()["credit_allowed"] is False
    assert [e["credit_allowed"] for e in await events_of(customer_id)][-2:] == [True, False]


async def test_a_prepayment_class_refuses_a_grant(
    client: httpx.AsyncClient, new_customer: NewCustomer, assessed: Assessed
) -> None:
    customer_id = await new_customer()
    await assessed(customer_id)
    base = f"/v1/customers/{customer_id}"
    await client.put(f"{base}/risk-class", json={"risk_class": "PREPAY", "reason": "start-up"})

    response = await client.put(f"{base}/credit-decision", json=GRANT)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "credit_allowed"


async def test_moving_a_credit_customer_to_prepay_stops_credit(
    client: httpx.AsyncClient, new_customer: NewCustomer, assessed: Assessed
) -> None:
    customer_id = await new_customer()
    await assessed(customer_id)
    base = f"/v1/customers/{customer_id}"
    await client.put(f"{base}/risk-class", json={"risk_class": "A", "reason": "r"})
    await client.put(f"{base}/contract", json={"signed_on": "2026-03-01", "terms_version": 2})
    await client.put(f"{base}/credit-decision", json=GRANT)

    moved = await client.put(f"{base}/risk-class", json={"risk_class": "PREPAY", "reason": "late"})

    assert moved.json()["credit_allowed"] is False
    assert moved.json()["prepayment_percent"] == "100.00"


async def test_a_class_default_limit_is_cut_to_the_currency(
    client: httpx.AsyncClient, new_customer: NewCustomer
) -> None:
    customer_id = await new_customer(currency="JPY")

    response = await client.put(
        f"/v1/customers/{customer_id}/risk-class", json={"risk_class": "D", "reason": "r"}
    )

    assert response.json()["credit_limit"] == "1000"


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("risk-class", {"risk_class": "Z", "reason": "r"}, "risk_class"),
        ("risk-class", {"risk_class": "a b", "reason": "r"}, "risk_class"),
        ("risk-class", {"risk_class": "A"}, "reason"),
        ("terms", {"overrides": {"grace_days": 366}, "reason": "r"}, "overrides.grace_days"),
        ("terms", {"overrides": {"grace_days": -1}, "reason": "r"}, "overrides.grace_days"),
        (
            "terms",
            {"overrides": {"prepayment_percent": "101"}, "reason": "r"},
            "overrides.prepayment_percent",
        ),
        (
            "terms",
            {"overrides": {"late_interest_percent_per_month": 2}, "reason": "r"},
            "overrides.late_interest_percent_per_month",
        ),
        (
            "terms",
            {"overrides": {"business_day_rule": "sometimes"}, "reason": "r"},
            "overrides.business_day_rule",
        ),
        ("terms", {"overrides": {"colour": "red"}, "reason": "r"}, "overrides.colour"),
        ("terms", {"overrides": {}, "reason": "r"}, "overrides"),
        ("terms", {"overrides": {"grace_days": 5}, "reason": ""}, "reason"),
        ("credit-limit", {"amount": "5000.00", "currency": "USD", "reason": "r"}, "currency"),
        ("credit-limit", {"amount": "5000.00", "currency": "XYZ", "reason": "r"}, "currency"),
        ("credit-limit", {"amount": "-5", "currency": "EUR", "reason": "r"}, "amount"),
        ("credit-limit", {"amount": "0", "currency": "EUR", "reason": "r"}, "amount"),
        ("credit-limit", {"amount": "10.005", "currency": "EUR", "reason": "r"}, "amount"),
        ("credit-limit", {"amount": 5000, "currency": "EUR", "reason": "r"}, "amount"),
        ("credit-decision", {"credit_allowed": "maybe", "reason": "r"}, "credit_allowed"),
        (
            "contract",
            {"signed_on": "2026-03-01", "terms_version": 1, "clauses": ["shout"]},
            "clauses[0]",
        ),
        ("contract", {"signed_on": "2026-03-03", "terms_version": 1}, "signed_on"),
        ("contract", {"signed_on": "2026-03-01", "terms_version": 9}, "terms_version"),
        ("contract", {"signed_on": "2026-03-01", "terms_version": 0}, "terms_version"),
    ],
)
async def test_bad_input_is_a_422_naming_the_field_and_changes_nothing(
    client: httpx.AsyncClient,
    session: AsyncSession,
    new_customer: NewCustomer,
    path: str,
    body: dict[str, Any],
    field: str,
) -> None:
    customer_id = await new_customer()
    terms_before = (await client.get(f"/v1/customers/{customer_id}/terms")).json()
    before = await counts(session)

    response = await client.put(f"/v1/customers/{customer_id}/{path}", json=body)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert await counts(session) == before
    assert (await client.get(f"/v1/customers/{customer_id}/terms")).json() == terms_before


CHANGES = [
    ("risk-class", {"risk_class": "A", "reason": "r"}),
    ("terms", {"overrides": {"grace_days": 5}, "reason": "r"}),
    ("credit-limit", {"amount": "5000.00", "currency": "EUR", "reason": "r"}),
    ("credit-decision", {"credit_allowed": False, "reason": "r"}),
    ("contract", {"signed_on": "2026-03-01", "terms_version": 1}),
]


@pytest.mark.parametrize(("path", "body"), CHANGES)
async def test_every_change_needs_the_approve_scope(
    client: httpx.AsyncClient,
    session: AsyncSession,
    new_customer: NewCustomer,
    path: str,
    body: dict[str, Any],
) -> None:
    customer_id = await new_customer()
    write_only = await api_key_headers(session, Scope.READ, Scope.WRITE)
    before = await counts(session)

    refused = await client.put(f"/v1/customers/{customer_id}/{path}", json=body, headers=write_only)
    allowed = await client.put(
        f"/v1/customers/{customer_id}/{path}", json=body, headers=await approver(session)
    )

    assert refused.status_code == 403
    assert "approve" in refused.json()["detail"]
    assert allowed.status_code == 200, allowed.text
    assert await counts(session) != before


@pytest.mark.parametrize(("path", "body"), CHANGES)
async def test_every_change_of_an_unknown_customer_is_404(
    client: httpx.AsyncClient, path: str, body: dict[str, Any]
) -> None:
    response = await client.put(f"/v1/customers/{uuid.uuid4()}/{path}", json=body)

    assert response.status_code == 404


async def test_terms_can_be_read_with_a_read_key(
    client: httpx.AsyncClient, session: AsyncSession, new_customer: NewCustomer
) -> None:
    customer_id = await new_customer()
    read_only = await api_key_headers(session, Scope.READ)

    response = await client.get(f"/v1/customers/{customer_id}/terms", headers=read_only)

    assert response.status_code == 200


async def test_customers_are_listed_by_risk_class(
    client: httpx.AsyncClient, new_customer: NewCustomer
) -> None:
    first, second, _other = [await new_customer(name=f"Customer {n}") for n in range(3)]
    for customer_id in (first, second):
        await client.put(
            f"/v1/customers/{customer_id}/risk-class", json={"risk_class": "C", "reason": "r"}
        )

    page = await client.get("/v1/customers", params={"risk_class": "C", "limit": 1})
    rest = await client.get(
        "/v1/customers", params={"risk_class": "C", "cursor": page.json()["next_cursor"]}
    )
    bad = await client.get("/v1/customers", params={"risk_class": "c c"})

    listed = [c["id"] for c in page.json()["items"] + rest.json()["items"]]
    # One transaction: one created_at, so the id orders them.
    assert listed == sorted([str(first), str(second)])
    assert rest.json()["next_cursor"] is None
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "risk_class"


async def test_no_credit_is_granted_before_an_accepted_assessment(
    client: httpx.AsyncClient, new_customer: NewCustomer, events_of: EventsOf
) -> None:
    customer_id = await new_customer()
    base = f"/v1/customers/{customer_id}"
    await client.put(f"{base}/risk-class", json={"risk_class": "A", "reason": "r"})
    before = await events_of(customer_id)

    response = await client.put(f"{base}/credit-decision", json=GRANT)

    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "credit_allowed"
    assert "accepted assessment" in error["message"]
    assert await events_of(customer_id) == before
