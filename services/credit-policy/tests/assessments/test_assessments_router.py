"""Assessments through the REST API: scoring with the versioned scorecard, acceptance,
override, payment history from analytics' events, and bad input."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.assessments.models import Assessment
from credit_policy.history.models import CreditHistoryEntry
from credit_policy.reviews.consumers import on_customer_behaviour_updated
from receivables_shared.auth.keys import Scope, issue_api_key
from receivables_shared.clock import ManualClock
from receivables_shared.events import CustomerBehaviourUpdated
from receivables_shared.testing.events import handler_context

NewCustomer = Callable[..., Awaitable[uuid.UUID]]
EventsOf = Callable[[uuid.UUID], Awaitable[list[dict[str, Any]]]]

#: An established company: 73.50 points with scorecard 1 and no payment history (class B).
ESTABLISHED = {
    "references": [
        {"supplier": "SIA Dēļi", "years_together": "6", "overdue_amount": "0.00"},
        {"supplier": "AS Naglas", "years_together": "2", "overdue_amount": "0.00"},
    ],
    "financials": {
        "currency": "EUR",
        "revenue": "2000000.00",
        "equity": "600000.00",
        "business_age_years": "12",
    },
}


async def headers_with(session: AsyncSession, *scopes: Scope) -> dict[str, str]:
    issued = await issue_api_key(session, name="credit-controller", scopes=list(scopes))
    return {"Authorization": f"Bearer {issued.secret}"}


async def assess(
    client: httpx.AsyncClient, customer_id: uuid.UUID, facts: dict[str, Any] = ESTABLISHED
) -> dict[str, Any]:
    response = await client.post(f"/v1/customers/{customer_id}/assessments", json=facts)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def assessment_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Assessment)) or 0)


async def test_an_established_company_gets_a_scored_proposal_and_nothing_changes(
    client: httpx.AsyncClient, new_customer: NewCustomer, events_of: EventsOf
) -> None:
    customer_id = await new_customer()

    proposal = await assess(client, customer_id)

    assert proposal["scorecard_version"] == 1
    assert proposal["score"] == "73.50"
    assert proposal["proposed_class"] == "B"
    # B: 5% of revenue (100000) or 20% of equity (120000), the smaller, capped at 20000 EUR.
    assert (proposal["proposed_limit"], proposal["currency"]) == ("20000.00", "EUR")
    assert proposal["status"] == "proposed"
    assert proposal["proposed_terms"]["payment_term_days"] == 30
    assert proposal["proposed_terms"]["credit_allowed"] is True
    reasons = {r["factor"]: r for r in proposal["reasons"]}
    assert reasons["average_days_late"]["why"] == "not known"
    assert reasons["average_days_late"]["weighted_points"] == "10.00"
    assert reasons["years_together"]["value"] == "6"  # the longest relationship
    assert reasons["years_together"]["points"] == 10
    assert reasons["business_age_years"]["weighted_points"] == "15.00"
    assert proposal["facts"]["payment_history"] is None
    terms = (await client.get(f"/v1/customers/{customer_id}/terms")).json()
    assert (terms["risk_class"], terms["credit_allowed"]) == (None, False)
    assert len(await events_of(customer_id)) == 1  # only the new customer's terms


async def test_payment_history_from_analytics_enters_the_score(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock, new_customer: NewCustomer
) -> None:
    customer_id = await new_customer()
    behaviour = CustomerBehaviourUpdated(
        customer_id=customer_id,
        average_days_late=Decimal("0"),
        on_time_share=Decimal("0.97"),
        trend="stable",
        broken_promises=0,
        as_of=date(2026, 3, 1),
    )
    await on_customer_behaviour_updated(
        session, behaviour, handler_context(clock, CustomerBehaviourUpdated)
    )

    proposal = await assess(client, customer_id)

    # 45 of 45 history points instead of 22.5 for "not known": 96.00, class A.
    assert proposal["score"] == "96.00"
    assert proposal["proposed_class"] == "A"
    # A: 10% of revenue (200000), 30% of equity (180000), capped at 50000 EUR.
    assert proposal["proposed_limit"] == "50000.00"
    assert proposal["facts"]["payment_history"]["on_time_share"] == "0.9700"


async def test_an_older_behaviour_arriving_late_does_not_replace_the_newer(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock, new_customer: NewCustomer
) -> None:
    customer_id = await new_customer()
    for as_of, late in ((date(2026, 3, 1), "0"), (date(2026, 2, 1), "40")):
        event = CustomerBehaviourUpdated(
            customer_id=customer_id,
            average_days_late=Decimal(late),
            on_time_share=Decimal("0.97"),
            trend="stable",
            broken_promises=0,
            as_of=as_of,
        )
        await on_customer_behaviour_updated(
            session, event, handler_context(clock, CustomerBehaviourUpdated)
        )

    proposal = await assess(client, customer_id)

    assert proposal["facts"]["payment_history"]["average_days_late"] == "0.00"


async def test_a_start_up_without_track_record_gets_a_prepayment_proposal(
    client: httpx.AsyncClient, new_customer: NewCustomer
) -> None:
    customer_id = await new_customer()
    facts = {
        "financials": {
            "currency": "EUR",
            "revenue": "900000.00",
            "equity": "500000.00",
            "business_age_years": "0.5",
        }
    }

    proposal = await assess(client, customer_id, facts)

    assert proposal["proposed_class"] == "PREPAY"
    assert proposal["proposed_limit"] is None
    assert proposal["proposed_terms"]["credit_allowed"] is False
    assert proposal["proposed_terms"]["prepayment_percent"] == "100.00"
    assert proposal["reasons"][-1]["factor"] == "start_up"


async def test_a_warning_flag_costs_its_points(
    client: httpx.AsyncClient, new_customer: NewCustomer
) -> None:
    customer_id = await new_customer()

    proposal = await assess(client, customer_id, {**ESTABLISHED, "warning_flags": ["tax_debt"]})

    assert proposal["score"] == "48.50"
    assert proposal["proposed_class"] == "C"
    assert proposal["proposed_limit"] == "10000.00"
    flag = next(r for r in proposal["reasons"] if r["factor"] == "flag:tax_debt")
    assert flag["points"] == -25


async def test_accepting_applies_class_and_limit_with_history_and_terms_event(
    client: httpx.AsyncClient, session: AsyncSession, new_customer: NewCustomer, events_of: EventsOf
) -> None:
    customer_id = await new_customer()
    proposal = await assess(client, customer_id)
    approver = await headers_with(session, Scope.READ, Scope.APPROVE)

    accepted = await client.post(
        f"/v1/assessments/{proposal['id']}/accept",
        json={"reason": "references and accounts checked"},
        headers=approver,
    )

    assert accepted.status_code == 200, accepted.text
    body = accepted.json()
    assert (body["status"], body["decided_class"], body["decided_limit"]) == (
        "accepted",
        "B",
        "20000.00",
    )
    assert body["decided_by"] == "credit-controller"
    terms = (await client.get(f"/v1/customers/{customer_id}/terms")).json()
    assert (terms["risk_class"], terms["credit_limit"]) == ("B", "20000.00")
    assert terms["decision"]["credit_allowed"] is True
    assert terms["decision"]["facts"]["assessment_id"] == proposal["id"]
    assert terms["decision"]["facts"]["scorecard_version"] == 1
    events = await events_of(customer_id)
    assert (events[-1]["risk_class"], events[-1]["credit_limit"]) == ("B", "20000.00")
    sources = await session.scalars(
        select(CreditHistoryEntry.source).where(CreditHistoryEntry.customer_id == customer_id)
    )
    assert set(sources.all()) == {"assessment"}

    again = await client.post(
        f"/v1/assessments/{proposal['id']}/accept", json={"reason": "twice"}, headers=approver
    )
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"


async def test_a_person_overrides_class_and_limit(
    client: httpx.AsyncClient, session: AsyncSession, new_customer: NewCustomer
) -> None:
    customer_id = await new_customer()
    proposal = await assess(client, customer_id)
    approver = await headers_with(session, Scope.READ, Scope.APPROVE)

    response = await client.post(
        f"/v1/assessments/{proposal['id']}/accept",
        json={"reason": "new market: start lower", "risk_class": "C", "credit_limit": "3000.00"},
        headers=approver,
    )

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "overridden"
    terms = (await client.get(f"/v1/customers/{customer_id}/terms")).json()
    assert (terms["risk_class"], terms["credit_limit"]) == ("C", "3000.00")


async def test_accepting_a_prepayment_proposal_grants_no_credit(
    client: httpx.AsyncClient, session: AsyncSession, new_customer: NewCustomer
) -> None:
    customer_id = await new_customer()
    proposal = await assess(
        client, customer_id, {"financials": {"currency": "EUR", "business_age_years": "0"}}
    )
    approver = await headers_with(session, Scope.READ, Scope.APPROVE)

    response = await client.post(
        f"/v1/assessments/{proposal['id']}/accept", json={"reason": "start-up"}, headers=approver
    )

    assert response.status_code == 200, response.text
    terms = (await client.get(f"/v1/customers/{customer_id}/terms")).json()
    assert (terms["risk_class"], terms["credit_allowed"]) == ("PREPAY", False)
    assert terms["decision"]["credit_allowed"] is False


async def test_accepting_needs_the_approve_scope_and_a_write_key_changes_nothing(
    client: httpx.AsyncClient, session: AsyncSession, new_customer: NewCustomer
) -> None:
    customer_id = await new_customer()
    proposal = await assess(client, customer_id)
    writer = await headers_with(session, Scope.READ, Scope.WRITE)

    response = await client.post(
        f"/v1/assessments/{proposal['id']}/accept", json={"reason": "ok"}, headers=writer
    )

    assert response.status_code == 403
    stored = (await client.get(f"/v1/assessments/{proposal['id']}")).json()
    assert stored["status"] == "proposed"


async def test_an_override_with_a_limit_for_a_prepayment_class_is_a_422(
    client: httpx.AsyncClient, new_customer: NewCustomer
) -> None:
    customer_id = await new_customer()
    proposal = await assess(client, customer_id)

    response = await client.post(
        f"/v1/assessments/{proposal['id']}/accept",
        json={"reason": "x", "risk_class": "PREPAY", "credit_limit": "100.00"},
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "credit_limit"
    stored = (await client.get(f"/v1/assessments/{proposal['id']}")).json()
    assert stored["status"] == "proposed"


async def test_bad_facts_are_422s_naming_the_field_and_store_nothing(
    client: httpx.AsyncClient, session: AsyncSession, new_customer: NewCustomer
) -> None:
    customer_id = await new_customer()
    yen_customer = await new_customer(currency="JPY")
    cases = [
        (
            customer_id,
            {"financials": {"currency": "USD", "revenue": "1.00"}},
            "financials.currency",
        ),
        (customer_id, {"warning_flags": ["bad_vibes"]}, "warning_flags[0]"),
        (yen_customer, {"financials": {"currency": "JPY", "equity": "10.5"}}, "financials.equity"),
        (
            customer_id,
            {"references": [{"supplier": "X", "years_together": "1", "overdue_amount": "-1"}]},
            "references[0].overdue_amount",
        ),
        (customer_id, {"financials": {"currency": "EUR", "revenue": 1000}}, "financials.revenue"),
    ]

    for customer, facts, field in cases:
        response = await client.post(f"/v1/customers/{customer}/assessments", json=facts)
        assert response.status_code == 422, (facts, response.text)
        assert response.json()["errors"][0]["field"] == field

    unknown = await client.post(f"/v1/customers/{uuid.uuid4()}/assessments", json=ESTABLISHED)
    assert unknown.status_code == 404
    assert await assessment_count(session) == 0


async def test_the_same_idempotency_key_scores_once(
    client: httpx.AsyncClient, session: AsyncSession, new_customer: NewCustomer
) -> None:
    customer_id = await new_customer()
    headers = {"Idempotency-Key": "assess-1"}

    first = await client.post(
        f"/v1/customers/{customer_id}/assessments", json=ESTABLISHED, headers=headers
    )
    second = await client.post(
        f"/v1/customers/{customer_id}/assessments", json=ESTABLISHED, headers=headers
    )

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] == second.json()["id"]
    assert await assessment_count(session) == 1


async def test_a_customers_assessments_newest_first(
    client: httpx.AsyncClient, clock: ManualClock, new_customer: NewCustomer
) -> None:
    customer_id = await new_customer()
    older = await assess(client, customer_id)
    clock.advance(timedelta(days=1))
    newer = await assess(client, customer_id, {**ESTABLISHED, "warning_flags": ["tax_debt"]})

    response = await client.get(f"/v1/customers/{customer_id}/assessments?limit=1")

    assert response.status_code == 200
    page = response.json()
    assert [item["id"] for item in page["items"]] == [newer["id"]]
    rest = await client.get(
        f"/v1/customers/{customer_id}/assessments", params={"cursor": page["next_cursor"]}
    )
    assert [item["id"] for item in rest.json()["items"]] == [older["id"]]


async def test_a_new_scorecard_version_scores_from_then_on(
    client: httpx.AsyncClient, new_customer: NewCustomer
) -> None:
    customer_id = await new_customer()
    current = (await client.get("/v1/scorecards/1")).json()["definition"]
    # Version 2 trusts references more: the same facts now reach class A.
    stricter = {**current, "classes": [{"min_score": "70", "risk_class": "A"}]}

    created = await client.put(
        "/v1/scorecards/2", json={"definition": stricter, "description": "references count more"}
    )
    proposal = await assess(client, customer_id)

    assert created.status_code == 201, created.text
    assert (proposal["scorecard_version"], proposal["proposed_class"]) == (2, "A")
    assert [s["version"] for s in (await client.get("/v1/scorecards")).json()] == [1, 2]


async def test_a_scorecard_that_scored_cannot_change_but_a_new_version_can_be_put(
    client: httpx.AsyncClient, new_customer: NewCustomer
) -> None:
    customer_id = await new_customer()
    await assess(client, customer_id)
    current = (await client.get("/v1/scorecards/1")).json()["definition"]
    changed = {**current, "fallback_class": "D"}

    response = await client.put("/v1/scorecards/1", json={"definition": changed})

    assert response.status_code == 409
    assert (await client.get("/v1/scorecards/1")).json()["definition"]["fallback_class"] == (
        "PREPAY"
    )


async def test_bad_scorecards_are_422s_naming_the_field(client: httpx.AsyncClient) -> None:
    current = (await client.get("/v1/scorecards/1")).json()["definition"]
    unknown_class = {**current, "classes": [{"min_score": "50", "risk_class": "ZZ"}]}
    descending = {
        **current,
        "factors": [
            {
                "key": "revenue",
                "weight": "1",
                "bands": [{"up_to": "10", "points": 1}, {"up_to": "5", "points": 2}, {"points": 3}],
            }
        ],
    }

    bad_class = await client.put("/v1/scorecards/3", json={"definition": unknown_class})
    bad_bands = await client.put("/v1/scorecards/3", json={"definition": descending})

    assert bad_class.status_code == 422
    assert bad_class.json()["errors"][0]["field"] == "definition.classes[0].risk_class"
    assert bad_bands.status_code == 422
    assert bad_bands.json()["errors"][0]["field"].startswith("definition.factors[0]")
    assert (await client.get("/v1/scorecards/3")).status_code == 404


async def test_no_credit_before_an_accepted_assessment_and_a_signed_contract(
    client: httpx.AsyncClient, session: AsyncSession, new_customer: NewCustomer
) -> None:
    customer_id = await new_customer()
    order = {"customer_id": str(customer_id), "amount": "500.00", "currency": "EUR"}
    approver = await headers_with(session, Scope.READ, Scope.APPROVE)

    new = await client.post("/v1/credit-checks", json={**order, "order_reference": "SO-1"})
    proposal = await assess(client, customer_id)
    assessed = await client.post("/v1/credit-checks", json={**order, "order_reference": "SO-2"})
    await client.post(
        f"/v1/assessments/{proposal['id']}/accept", json={"reason": "checked"}, headers=approver
    )
    terms = (await client.get(f"/v1/customers/{customer_id}/terms")).json()
    signed = await client.put(
        f"/v1/customers/{customer_id}/contract",
        json={"signed_on": "2026-03-02", "terms_version": terms["terms_version"]},
        headers=approver,
    )
    agreed = await client.post("/v1/credit-checks", json={**order, "order_reference": "SO-3"})

    assert (new.json()["decision"], new.json()["reasons"]) == ("referred", ["terms_not_agreed"])
    assert assessed.json()["decision"] == "referred"  # a proposal changes nothing
    assert signed.status_code == 200, signed.text
    assert agreed.json()["decision"] == "approved", agreed.text
    assert agreed.json()["limit"] == "20000.00"
