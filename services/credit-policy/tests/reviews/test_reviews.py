"""The periodic credit review: real events in, the daily job as of the business date, the
queue through the REST API, and decisions that change terms through the credit decision."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.definition import SERVICE
from credit_policy.reviews.service import flag_reviews, has_open_worsening_review
from receivables_shared.auth.keys import Scope, issue_api_key
from receivables_shared.clock import ManualClock
from receivables_shared.events import (
    CaseEscalated,
    CustomerBehaviourUpdated,
    DunningStepDue,
    Event,
    InvoiceIssued,
    PaymentApplied,
    PromiseBroken,
)
from receivables_shared.testing.events import create_invoice_issued, handler_context

NewCustomer = Callable[..., Awaitable[uuid.UUID]]
EventsOf = Callable[[uuid.UUID], Awaitable[list[dict[str, Any]]]]


async def deliver(session: AsyncSession, clock: ManualClock, event: Event) -> None:
    """As the consumer does: the handler the service definition wires for the event."""
    await SERVICE.handlers[type(event)](session, event, handler_context(clock, type(event)))


async def classed(credit_customer: NewCustomer) -> uuid.UUID:
    """A customer with agreed terms: limit 10000 EUR, 7 days of grace (credit_customer)."""
    return await credit_customer("10000.00", grace_days=7)


async def run_job(session: AsyncSession, clock: ManualClock) -> dict[str, int]:
    flagged = await flag_reviews(session, clock, clean_days=180, increase_percent=20)
    return flagged.opened


async def invoice(
    session: AsyncSession,
    clock: ManualClock,
    customer_id: uuid.UUID,
    *,
    issued: date,
    due: date,
    total: str = "1000.00",
) -> InvoiceIssued:
    event = create_invoice_issued(customer_id, total=total, issue_date=issued, due_date=due)
    await deliver(session, clock, event)
    return event


async def pay(
    session: AsyncSession, clock: ManualClock, issued: InvoiceIssued, on: date, amount: str
) -> None:
    event = PaymentApplied(
        customer_id=issued.customer_id,
        payment_id=uuid.uuid4(),
        invoice_id=issued.invoice_id,
        currency=issued.currency,
        amount=Decimal(amount),
        applied_on=on,
        open_amount=issued.total - Decimal(amount),
        days_late=(on - issued.due_date).days,
    )
    await deliver(session, clock, event)


async def reviews_of(client: httpx.AsyncClient, customer_id: uuid.UUID) -> list[dict[str, Any]]:
    response = await client.get("/v1/reviews", params={"customer_id": str(customer_id)})
    assert response.status_code == 200
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_an_invoice_overdue_beyond_grace_opens_one_review_however_often_the_job_runs(
    client: httpx.AsyncClient,
    session: AsyncSession,
    clock: ManualClock,
    credit_customer: NewCustomer,
) -> None:
    customer_id = await classed(credit_customer)
    # Due 2026-02-20, grace 7 days: beyond grace from 2026-02-28; today is 2026-03-02.
    await invoice(session, clock, customer_id, issued=date(2026, 1, 21), due=date(2026, 2, 20))

    first = await run_job(session, clock)
    second = await run_job(session, clock)

    assert (first["overdue_beyond_grace"], second["overdue_beyond_grace"]) == (1, 0)
    [review] = await reviews_of(client, customer_id)
    assert (review["reason"], review["status"], review["worsening"]) == (
        "overdue_beyond_grace",
        "open",
        True,
    )
    assert (review["flagged_on"], review["signal_on"]) == ("2026-03-02", "2026-02-28")
    assert review["evidence"]["grace_days"] == 7
    assert await has_open_worsening_review(session, customer_id)
    due = await client.get("/v1/customers", params={"review_due": "true"})
    assert [c["id"] for c in due.json()["items"]] == [str(customer_id)]


async def test_an_invoice_within_grace_or_paid_opens_no_review(
    client: httpx.AsyncClient,
    session: AsyncSession,
    clock: ManualClock,
    credit_customer: NewCustomer,
) -> None:
    customer_id = await classed(credit_customer)
    # Due 2026-02-25: 5 days overdue, within the 7 days of grace.
    await invoice(session, clock, customer_id, issued=date(2026, 1, 26), due=date(2026, 2, 25))
    paid = await invoice(session, clock, customer_id, issued=date(2026, 1, 2), due=date(2026, 2, 1))
    await pay(session, clock, paid, date(2026, 3, 1), "1000.00")

    opened = await run_job(session, clock)

    assert opened["overdue_beyond_grace"] == 0
    assert await reviews_of(client, customer_id) == []
    assert not await has_open_worsening_review(session, customer_id)


async def test_a_broken_promise_opens_a_review_once_and_a_later_one_again(
    client: httpx.AsyncClient,
    session: AsyncSession,
    clock: ManualClock,
    credit_customer: NewCustomer,
) -> None:
    customer_id = await classed(credit_customer)
    promise = PromiseBroken(
        customer_id=customer_id,
        promise_id=uuid.uuid4(),
        amount=Decimal("500.00"),
        currency="EUR",
        promised_for=date(2026, 2, 27),
    )
    await deliver(session, clock, promise)
    await deliver(session, clock, promise)  # the same fact twice

    assert (await run_job(session, clock))["promise_broken"] == 1
    [review] = await reviews_of(client, customer_id)
    assert review["evidence"]["promises"][0]["promise_id"] == str(promise.promise_id)
    resolved = await client.post(
        f"/v1/reviews/{review['id']}/resolve",
        json={"decision": "keep", "reason": "paid the next day"},
    )
    assert resolved.status_code == 200, resolved.text
    assert (await run_job(session, clock))["promise_broken"] == 0  # nothing new

    clock.advance(timedelta(days=3))
    later = PromiseBroken(
        customer_id=customer_id,
        promise_id=uuid.uuid4(),
        amount=Decimal("200.00"),
        currency="EUR",
        promised_for=date(2026, 3, 4),
    )
    await deliver(session, clock, later)

    assert (await run_job(session, clock))["promise_broken"] == 1
    reviews = await reviews_of(client, customer_id)
    assert [r["status"] for r in reviews] == ["resolved", "open"]
    assert [p["promise_id"] for p in reviews[1]["evidence"]["promises"]] == [str(later.promise_id)]


async def test_an_escalation_or_a_hand_over_step_opens_a_dunning_escalation_review(
    client: httpx.AsyncClient,
    session: AsyncSession,
    clock: ManualClock,
    credit_customer: NewCustomer,
) -> None:
    handed_over = await classed(credit_customer)
    escalated = await classed(credit_customer)
    reminded = await classed(credit_customer)

    def step(customer_id: uuid.UUID, actions: tuple[str, ...]) -> DunningStepDue:
        return DunningStepDue(
            customer_id=customer_id,
            invoice_id=uuid.uuid4(),
            step=4,
            channel="letter",
            due_on=date(2026, 3, 1),
            actions=actions,
        )

    await deliver(session, clock, step(handed_over, ("hold", "hand_over")))
    await deliver(session, clock, step(reminded, ("fee",)))
    await deliver(
        session, clock, CaseEscalated(customer_id=escalated, case_id=uuid.uuid4(), level="legal")
    )

    assert (await run_job(session, clock))["dunning_escalation"] == 2
    response = await client.get("/v1/reviews", params={"reason": "dunning_escalation"})
    flagged = {item["customer_id"]: item for item in response.json()["items"]}
    assert set(flagged) == {str(handed_over), str(escalated)}
    assert flagged[str(escalated)]["evidence"]["escalations"][0]["level"] == "legal"
    assert flagged[str(handed_over)]["evidence"]["escalations"][0]["kind"] == "dunning_hand_over"


async def test_a_worsening_trend_opens_a_review_a_stable_one_does_not(
    client: httpx.AsyncClient,
    session: AsyncSession,
    clock: ManualClock,
    credit_customer: NewCustomer,
) -> None:
    worsening = await classed(credit_customer)
    stable = await classed(credit_customer)
    for customer_id, trend in ((worsening, "worsening"), (stable, "stable")):
        event = CustomerBehaviourUpdated(
            customer_id=customer_id,
            average_days_late=Decimal("12.5"),
            on_time_share=Decimal("0.6"),
            trend=trend,
            broken_promises=1,
            as_of=date(2026, 3, 1),
        )
        await deliver(session, clock, event)

    assert (await run_job(session, clock))["worsening_trend"] == 1
    [review] = await reviews_of(client, worsening)
    assert review["evidence"]["average_days_late"] == "12.50"
    assert await reviews_of(client, stable) == []


async def test_a_clean_record_proposes_a_limit_increase_that_a_person_accepts(
    client: httpx.AsyncClient,
    session: AsyncSession,
    clock: ManualClock,
    credit_customer: NewCustomer,
    events_of: EventsOf,
) -> None:
    customer_id = await classed(credit_customer)  # class B: default limit 10000
    young = await classed(credit_customer)
    old = await invoice(session, clock, customer_id, issued=date(2025, 8, 1), due=date(2025, 8, 31))
    await pay(session, clock, old, date(2025, 8, 30), "1000.00")
    recent = await invoice(
        session, clock, customer_id, issued=date(2026, 1, 10), due=date(2026, 2, 9)
    )
    await pay(session, clock, recent, date(2026, 2, 12), "1000.00")  # late, within grace
    # Invoiced for 60 days only: no record long enough yet.
    await invoice(session, clock, young, issued=date(2026, 1, 1), due=date(2026, 3, 31))

    opened = await run_job(session, clock)

    assert opened["clean_record"] == 1
    [review] = await reviews_of(client, customer_id)
    assert (review["reason"], review["worsening"], review["proposed_limit"]) == (
        "clean_record",
        False,
        "12000.000",
    )
    assert not await has_open_worsening_review(session, customer_id)
    assert (await run_job(session, clock))["clean_record"] == 0

    resolved = await client.post(
        f"/v1/reviews/{review['id']}/resolve",
        json={"decision": "change", "reason": "six clean months"},
    )

    assert resolved.status_code == 200, resolved.text
    assert (resolved.json()["status"], resolved.json()["decision"]) == ("resolved", "change")
    terms = (await client.get(f"/v1/customers/{customer_id}/terms")).json()
    assert (terms["credit_limit"], terms["credit_allowed"]) == ("12000.00", True)
    assert (await events_of(customer_id))[-1]["credit_limit"] == "12000.00"
    history = (await client.get(f"/v1/customers/{customer_id}/history")).json()["items"]
    assert history[0]["reason"] == "six clean months"


async def test_an_overdue_customer_gets_no_increase_proposal(
    client: httpx.AsyncClient,
    session: AsyncSession,
    clock: ManualClock,
    credit_customer: NewCustomer,
) -> None:
    customer_id = await classed(credit_customer)
    late = await invoice(
        session, clock, customer_id, issued=date(2025, 8, 1), due=date(2025, 11, 1)
    )
    await pay(session, clock, late, date(2025, 12, 1), "1000.00")  # 30 days late, grace 7

    opened = await run_job(session, clock)

    assert opened["clean_record"] == 0


async def test_stop_credit_withdraws_the_decision_and_a_resolved_review_stays_resolved(
    client: httpx.AsyncClient,
    session: AsyncSession,
    clock: ManualClock,
    credit_customer: NewCustomer,
) -> None:
    customer_id = await classed(credit_customer)
    await invoice(session, clock, customer_id, issued=date(2025, 12, 1), due=date(2026, 1, 1))
    await run_job(session, clock)
    [review] = await reviews_of(client, customer_id)
    issued = await issue_api_key(session, name="risk-manager", scopes=[Scope.APPROVE])
    approver = {"Authorization": f"Bearer {issued.secret}"}

    stopped = await client.post(
        f"/v1/reviews/{review['id']}/resolve",
        json={"decision": "stop_credit", "reason": "two months overdue"},
        headers=approver,
    )
    again = await client.post(
        f"/v1/reviews/{review['id']}/resolve",
        json={"decision": "keep", "reason": "second thoughts"},
        headers=approver,
    )

    assert stopped.status_code == 200, stopped.text
    assert stopped.json()["decided_by"] == "risk-manager"
    assert again.status_code == 409
    terms = (await client.get(f"/v1/customers/{customer_id}/terms")).json()
    assert (terms["credit_allowed"], terms["decision"]["credit_allowed"]) == (False, False)
    assert terms["credit_limit"] == "10000.00"  # the limit stays
    assert not await has_open_worsening_review(session, customer_id)


async def test_resolving_needs_approve_scope_and_bad_decisions_are_422s(
    client: httpx.AsyncClient,
    session: AsyncSession,
    clock: ManualClock,
    credit_customer: NewCustomer,
) -> None:
    customer_id = await classed(credit_customer)
    await invoice(session, clock, customer_id, issued=date(2025, 12, 1), due=date(2026, 1, 1))
    await run_job(session, clock)
    [review] = await reviews_of(client, customer_id)
    issued = await issue_api_key(session, name="order-system", scopes=[Scope.READ, Scope.WRITE])
    writer = {"Authorization": f"Bearer {issued.secret}"}
    url = f"/v1/reviews/{review['id']}/resolve"

    forbidden = await client.post(url, json={"decision": "keep", "reason": "x"}, headers=writer)
    keep_with_values = await client.post(
        url, json={"decision": "keep", "reason": "x", "risk_class": "C"}
    )
    change_without = await client.post(url, json={"decision": "change", "reason": "x"})
    unknown_class = await client.post(
        url, json={"decision": "change", "reason": "x", "risk_class": "ZZ"}
    )
    unknown_decision = await client.post(url, json={"decision": "maybe", "reason": "x"})

    assert forbidden.status_code == 403
    assert [
        (r.status_code, r.json()["errors"][0]["field"])
        for r in (keep_with_values, change_without, unknown_class, unknown_decision)
    ] == [(422, "decision"), (422, "decision"), (422, "risk_class"), (422, "decision")]
    assert (await client.get(f"/v1/reviews/{review['id']}")).json()["status"] == "open"
    assert (await client.get(f"/v1/reviews/{uuid.uuid4()}")).status_code == 404


async def test_the_queue_pages_and_filters_by_reason_and_status(
    client: httpx.AsyncClient,
    session: AsyncSession,
    clock: ManualClock,
    credit_customer: NewCustomer,
) -> None:
    customers = [await classed(credit_customer) for _ in range(3)]
    for customer_id in customers:
        await invoice(session, clock, customer_id, issued=date(2025, 12, 1), due=date(2026, 1, 1))
    await run_job(session, clock)

    first = (await client.get("/v1/reviews", params={"limit": 2, "status": "open"})).json()
    rest = (await client.get("/v1/reviews", params={"cursor": first["next_cursor"]})).json()
    none = await client.get("/v1/reviews", params={"reason": "promise_broken"})
    bad = await client.get("/v1/reviews", params={"reason": "gossip"})

    seen = {item["customer_id"] for item in first["items"] + rest["items"]}
    assert seen == {str(c) for c in customers}
    assert rest["next_cursor"] is None
    assert none.json()["items"] == []
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "reason"


async def test_new_evidence_while_a_review_is_open_joins_it(
    client: httpx.AsyncClient,
    session: AsyncSession,
    clock: ManualClock,
    credit_customer: NewCustomer,
) -> None:
    customer_id = await classed(credit_customer)
    promises = []
    for day in (1, 2):
        promise = PromiseBroken(
            customer_id=customer_id,
            promise_id=uuid.uuid4(),
            amount=Decimal("100.00"),
            currency="EUR",
            promised_for=date(2026, 3, day),
        )
        promises.append(str(promise.promise_id))
        await deliver(session, clock, promise)
        opened = await run_job(session, clock)
        assert opened["promise_broken"] == (1 if day == 1 else 0)
        clock.advance(timedelta(days=1))

    [review] = await reviews_of(client, customer_id)
    assert [p["promise_id"] for p in review["evidence"]["promises"]] == promises
    assert review["signal_on"] == "2026-03-03"


async def test_the_credit_check_refers_while_a_worsening_is_under_review(
    client: httpx.AsyncClient,
    session: AsyncSession,
    clock: ManualClock,
    credit_customer: NewCustomer,
) -> None:
    customer_id = await classed(credit_customer)
    order = {"customer_id": str(customer_id), "amount": "100.00", "currency": "EUR"}
    before = await client.post("/v1/credit-checks", json={**order, "order_reference": "SO-1"})
    promise = PromiseBroken(
        customer_id=customer_id,
        promise_id=uuid.uuid4(),
        amount=Decimal("100.00"),
        currency="EUR",
        promised_for=date(2026, 3, 1),
    )
    await deliver(session, clock, promise)
    await run_job(session, clock)

    during = await client.post("/v1/credit-checks", json={**order, "order_reference": "SO-2"})
    [review] = await reviews_of(client, customer_id)
    await client.post(
        f"/v1/reviews/{review['id']}/resolve", json={"decision": "keep", "reason": "paid"}
    )
    after = await client.post("/v1/credit-checks", json={**order, "order_reference": "SO-3"})

    assert before.json()["decision"] == "approved", before.text
    assert (during.json()["decision"], during.json()["reasons"]) == ("referred", ["review_pending"])
    assert after.json()["decision"] == "approved"
