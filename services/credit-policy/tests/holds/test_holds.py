"""Credit holds: placed by the job as of the business date, by a dunning step or by a person;
released by payment (or the prepayment share of it), or by a person."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.exposure.consumers import (
    on_invoice_due_date_extended,
    on_invoice_issued,
    on_open_amount_changed,
)
from credit_policy.holds import service
from credit_policy.holds.consumers import on_dunning_step_due
from receivables_shared.auth.keys import Scope
from receivables_shared.clock import ManualClock
from receivables_shared.events import (
    DunningStepDue,
    InvoiceDueDateExtended,
    InvoiceIssued,
    PaymentApplied,
)
from receivables_shared.outbox.models import OutboxEvent
from receivables_shared.testing.events import create_invoice_issued, handler_context
from receivables_shared.testing.helpers import api_key_headers

CreditCustomer = Callable[..., Awaitable[uuid.UUID]]
PLACED = "receivables.CreditHoldPlaced.v1"
RELEASED = "receivables.CreditHoldReleased.v1"


async def overdue_invoice(
    session: AsyncSession, clock: ManualClock, customer_id: uuid.UUID, total: str, days: int
) -> InvoiceIssued:
    """An invoice whose due date was `days` days before today."""
    event = create_invoice_issued(
        customer_id, total=total, due_date=clock.today() - timedelta(days=days)
    )
    await on_invoice_issued(session, event, handler_context(clock, InvoiceIssued))
    return event


async def pay(
    session: AsyncSession, clock: ManualClock, invoice: InvoiceIssued, open_amount: str
) -> None:
    clock.advance(timedelta(minutes=1))
    event = PaymentApplied(
        customer_id=invoice.customer_id,
        payment_id=uuid.uuid4(),
        invoice_id=invoice.invoice_id,
        currency=invoice.currency,
        amount=invoice.total - Decimal(open_amount),
        applied_on=clock.today(),
        open_amount=Decimal(open_amount),
        days_late=3,
    )
    await on_open_amount_changed(session, event, handler_context(clock, PaymentApplied))


async def hold_events(session: AsyncSession, customer_id: uuid.UUID) -> list[tuple[str, Any]]:
    rows = await session.scalars(
        select(OutboxEvent)
        .where(
            OutboxEvent.event_type.in_([PLACED, RELEASED]),
            OutboxEvent.partition_key == str(customer_id),
        )
        .order_by(OutboxEvent.id)
    )
    return [(row.event_type, row.payload) for row in rows]


async def holds(client: httpx.AsyncClient, customer_id: uuid.UUID) -> list[dict[str, Any]]:
    response = await client.get(f"/v1/customers/{customer_id}/holds")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def check(customer_id: uuid.UUID, amount: str = "100.00") -> dict[str, Any]:
    return {
        "customer_id": str(customer_id),
        "amount": amount,
        "currency": "EUR",
        "order_reference": "SO-1",
    }


async def test_the_job_holds_customers_overdue_beyond_their_grace_once(
    session: AsyncSession,
    clock: ManualClock,
    client: httpx.AsyncClient,
    credit_customer: CreditCustomer,
) -> None:
    late = await credit_customer(grace_days=3)
    within_grace = await credit_customer(grace_days=3)
    await overdue_invoice(session, clock, late, "400.00", days=4)
    await overdue_invoice(session, clock, late, "600.00", days=1)
    await overdue_invoice(session, clock, within_grace, "500.00", days=3)

    placed = await service.place_overdue_holds(session, clock)
    again = await service.place_overdue_holds(session, clock)

    mine = [hold for hold in placed if hold.customer_id in (late, within_grace)]
    assert [(hold.customer_id, hold.debt_at_placement) for hold in mine] == [
        (late, Decimal("400.000"))
    ]
    assert [hold for hold in again if hold.customer_id == late] == []
    (hold,) = await holds(client, late)
    assert (hold["reason"], hold["stops"], hold["placed_by"]) == (
        "overdue_beyond_grace",
        ["new_credit", "support"],
        "system",
    )
    assert await holds(client, within_grace) == []
    ((event_type, payload),) = await hold_events(session, late)
    assert (event_type, payload["hold_id"], payload["reason"]) == (
        PLACED,
        hold["id"],
        "overdue_beyond_grace",
    )


async def test_paying_the_overdue_debt_releases_the_hold(
    session: AsyncSession,
    clock: ManualClock,
    client: httpx.AsyncClient,
    credit_customer: CreditCustomer,
) -> None:
    customer_id = await credit_customer()
    invoice = await overdue_invoice(session, clock, customer_id, "400.00", days=2)
    await service.place_overdue_holds(session, clock)
    on_hold = await client.post("/v1/credit-checks", json=check(customer_id))
    await pay(session, clock, invoice, "0.50")
    still = (await holds(client, customer_id))[0]

    await pay(session, clock, invoice, "0.00")

    assert (on_hold.json()["decision"], on_hold.json()["reasons"]) == (
        "declined",
        ["on_hold", "overdue_beyond_grace"],
    )
    assert still["released_on"] is None
    (hold,) = await holds(client, customer_id)
    assert (hold["released_on"], hold["release_reason"], hold["released_by"]) == (
        clock.today().isoformat(),
        "overdue_paid",
        "system",
    )
    assert [(t, p["reason"]) for t, p in await hold_events(session, customer_id)] == [
        (PLACED, "overdue_beyond_grace"),
        (RELEASED, "overdue_paid"),
    ]
    after = await client.post("/v1/credit-checks", json=check(customer_id))
    assert after.json()["decision"] == "approved"


async def test_paying_the_prepayment_share_of_the_overdue_debt_releases_the_hold(
    session: AsyncSession,
    clock: ManualClock,
    client: httpx.AsyncClient,
    credit_customer: CreditCustomer,
) -> None:
    customer_id = await credit_customer(prepayment_percent="30")
    invoice = await overdue_invoice(session, clock, customer_id, "1000.00", days=2)
    await service.place_overdue_holds(session, clock)
    held = await client.post("/v1/credit-checks", json=check(customer_id, "200.00"))

    await pay(session, clock, invoice, "700.01")  # 299.99 paid: less than 30 %
    not_yet = (await holds(client, customer_id))[0]["released_on"]
    await pay(session, clock, invoice, "700.00")  # 300.00 paid

    # While held, the terms allow the order against prepayment of their share.
    assert (held.json()["decision"], held.json()["prepayment_amount"]) == (
        "prepayment_required",
        "60.00",
    )
    assert not_yet is None
    (hold,) = await holds(client, customer_id)
    assert hold["release_reason"] == "prepayment_share_paid"


async def test_the_debt_of_a_hold_is_in_the_customers_currency_never_a_sum_of_two(
    session: AsyncSession,
    clock: ManualClock,
    client: httpx.AsyncClient,
    credit_customer: CreditCustomer,
) -> None:
    """A customer in EUR with old BGN invoices (Bulgaria's euro changeover) overdue in both:
    paying the leva does not pay the prepayment share of the euro debt."""
    customer_id = await credit_customer(prepayment_percent="30")
    euros = await overdue_invoice(session, clock, customer_id, "1000.00", days=2)
    leva = create_invoice_issued(
        customer_id, total="5000.00", currency="BGN", due_date=clock.today() - timedelta(days=40)
    )
    await on_invoice_issued(session, leva, handler_context(clock, InvoiceIssued))

    (placed,) = await service.place_overdue_holds(session, clock)
    await pay(session, clock, leva, "0.00")
    after_leva = (await holds(client, customer_id))[0]["released_on"]
    await pay(session, clock, euros, "700.00")  # 30 % of the euro debt

    assert (placed.debt_at_placement, placed.debt_currency) == (Decimal("1000.000"), "EUR")
    assert after_leva is None  # 5000 BGN + 1000 EUR is not "6000", and 1000 EUR is all unpaid
    (hold,) = await holds(client, customer_id)
    assert hold["release_reason"] == "prepayment_share_paid"


async def test_debt_overdue_in_another_currency_keeps_the_hold_whatever_share_was_paid(
    session: AsyncSession,
    clock: ManualClock,
    client: httpx.AsyncClient,
    credit_customer: CreditCustomer,
) -> None:
    customer_id = await credit_customer(prepayment_percent="30")
    euros = await overdue_invoice(session, clock, customer_id, "1000.00", days=2)
    leva = create_invoice_issued(
        customer_id, total="50.00", currency="BGN", due_date=clock.today() - timedelta(days=40)
    )
    await on_invoice_issued(session, leva, handler_context(clock, InvoiceIssued))
    await service.place_overdue_holds(session, clock)

    await pay(session, clock, euros, "0.00")
    euro_debt_paid = (await holds(client, customer_id))[0]["released_on"]
    await pay(session, clock, leva, "0.00")

    assert euro_debt_paid is None
    (hold,) = await holds(client, customer_id)
    assert hold["release_reason"] == "overdue_paid"


async def test_the_job_releases_a_hold_whose_due_date_was_extended(
    session: AsyncSession,
    clock: ManualClock,
    client: httpx.AsyncClient,
    credit_customer: CreditCustomer,
) -> None:
    customer_id = await credit_customer()
    invoice = await overdue_invoice(session, clock, customer_id, "400.00", days=2)
    await service.place_overdue_holds(session, clock)
    clock.advance(timedelta(minutes=1))
    await on_invoice_due_date_extended(
        session,
        InvoiceDueDateExtended(
            customer_id=customer_id,
            invoice_id=invoice.invoice_id,
            previous_due_date=invoice.due_date,
            due_date=clock.today() + timedelta(days=30),
            reason="payment plan",
            extended_on=clock.today(),
        ),
        handler_context(clock, InvoiceDueDateExtended),
    )

    released = await service.release_settled(session, clock)

    (hold,) = await holds(client, customer_id)
    assert hold["release_reason"] == "overdue_paid"
    # Released by the extension's handler already: the job finds nothing left to do.
    assert [h for h in released if h.customer_id == customer_id] == []


async def test_a_dunning_step_with_the_hold_action_places_one_hold(
    session: AsyncSession,
    clock: ManualClock,
    client: httpx.AsyncClient,
    credit_customer: CreditCustomer,
) -> None:
    customer_id = await credit_customer(grace_days=30)
    invoice = await overdue_invoice(session, clock, customer_id, "400.00", days=10)

    def step(number: int, actions: tuple[str, ...]) -> DunningStepDue:
        return DunningStepDue(
            customer_id=customer_id,
            invoice_id=invoice.invoice_id,
            step=number,
            channel="email",
            due_on=clock.today(),
            actions=actions,
        )

    context = handler_context(clock, DunningStepDue)
    await on_dunning_step_due(session, step(1, ("fee",)), context)
    assert await holds(client, customer_id) == []
    await on_dunning_step_due(session, step(2, ("hold", "fee")), context)
    await on_dunning_step_due(session, step(3, ("hold",)), context)

    (hold,) = await holds(client, customer_id)
    assert (hold["reason"], hold["stops"], hold["note"]) == (
        "dunning_step",
        ["new_credit"],
        "dunning step 2",
    )
    # Within grace, but a dunning hold lasts until the overdue invoice is paid.
    assert (await service.release_settled(session, clock, customer_id)) == []
    await pay(session, clock, invoice, "0.00")
    assert (await holds(client, customer_id))[0]["release_reason"] == "overdue_paid"


async def test_a_person_places_and_releases_a_hold_with_the_approve_scope(
    session: AsyncSession,
    clock: ManualClock,
    client: httpx.AsyncClient,
    credit_customer: CreditCustomer,
) -> None:
    customer_id = await credit_customer(prepayment_percent="0")
    body = {"reason": "broken promise", "stops": ["new_credit", "deliveries"], "note": "call"}

    placed = await client.post(f"/v1/customers/{customer_id}/holds", json=body)
    declined = await client.post("/v1/credit-checks", json=check(customer_id))
    released = await client.post(
        f"/v1/holds/{placed.json()['id']}/release", json={"reason": "paid in cash"}
    )
    again = await client.post(
        f"/v1/holds/{placed.json()['id']}/release", json={"reason": "paid in cash"}
    )

    assert placed.status_code == 201, placed.text
    assert (placed.json()["reason"], placed.json()["stops"]) == (
        "manual",
        ["new_credit", "deliveries"],
    )
    assert (declined.json()["decision"], declined.json()["reasons"]) == ("declined", ["on_hold"])
    assert released.status_code == 200
    assert (released.json()["release_reason"], released.json()["released_by"]) == (
        "paid in cash",
        "test",
    )
    assert again.status_code == 409
    events = await hold_events(session, customer_id)
    assert [(t, p["reason"], p["note"]) for t, p in events] == [
        (PLACED, "manual", "broken promise\ncall"),
        (RELEASED, "manual", "paid in cash"),
    ]


async def test_a_hold_that_stops_only_support_leaves_credit_open(
    client: httpx.AsyncClient, credit_customer: CreditCustomer
) -> None:
    customer_id = await credit_customer()
    await client.post(
        f"/v1/customers/{customer_id}/holds", json={"reason": "overdue", "stops": ["support"]}
    )

    response = await client.post("/v1/credit-checks", json=check(customer_id))

    assert response.json()["decision"] == "approved"


async def test_stopping_the_service_needs_the_contract_clause(
    session: AsyncSession, client: httpx.AsyncClient, credit_customer: CreditCustomer
) -> None:
    without = await credit_customer(clauses=("late_interest",))
    with_clause = await credit_customer(clauses=("disable_equipment_remotely",))
    body = {"reason": "overdue", "stops": ["new_credit", "service"]}

    refused = await client.post(f"/v1/customers/{without}/holds", json=body)
    accepted = await client.post(f"/v1/customers/{with_clause}/holds", json=body)

    assert refused.status_code == 422
    assert [error["field"] for error in refused.json()["errors"]] == ["stops"]
    assert await holds(client, without) == []
    assert await hold_events(session, without) == []
    assert accepted.status_code == 201, accepted.text


async def test_placing_and_releasing_need_the_approve_scope(
    session: AsyncSession, client: httpx.AsyncClient, credit_customer: CreditCustomer
) -> None:
    customer_id = await credit_customer()
    write = await api_key_headers(session, Scope.WRITE)
    body = {"reason": "overdue", "stops": ["new_credit"]}

    refused = await client.post(f"/v1/customers/{customer_id}/holds", json=body, headers=write)
    placed = await client.post(f"/v1/customers/{customer_id}/holds", json=body)
    release = await client.post(
        f"/v1/holds/{placed.json()['id']}/release", json={"reason": "x"}, headers=write
    )

    assert (refused.status_code, release.status_code) == (403, 403)


async def test_bad_hold_requests_are_422_naming_the_field(
    client: httpx.AsyncClient, credit_customer: CreditCustomer
) -> None:
    customer_id = await credit_customer()
    cases: list[tuple[dict[str, Any], str]] = [
        ({"reason": "x", "stops": []}, "stops"),
        ({"reason": "x", "stops": ["everything"]}, "stops[0]"),
        ({"reason": "", "stops": ["support"]}, "reason"),
    ]
    for body, field in cases:
        response = await client.post(f"/v1/customers/{customer_id}/holds", json=body)

        assert response.status_code == 422, body
        assert [error["field"] for error in response.json()["errors"]] == [field], body
    assert await holds(client, customer_id) == []
    unknown = await client.post(
        f"/v1/customers/{uuid.uuid4()}/holds", json={"reason": "x", "stops": ["support"]}
    )
    assert unknown.status_code == 404
    missing = await client.post(f"/v1/holds/{uuid.uuid4()}/release", json={"reason": "x"})
    assert missing.status_code == 404


async def test_customers_can_be_filtered_by_hold(
    client: httpx.AsyncClient, credit_customer: CreditCustomer
) -> None:
    held, free = await credit_customer(), await credit_customer()
    await client.post(
        f"/v1/customers/{held}/holds", json={"reason": "overdue", "stops": ["new_credit"]}
    )

    on_hold = await client.get("/v1/customers", params={"on_hold": "true", "limit": 100})
    not_on_hold = await client.get("/v1/customers", params={"on_hold": "false", "limit": 100})

    on_hold_ids = {item["id"] for item in on_hold.json()["items"]}
    not_on_hold_ids = {item["id"] for item in not_on_hold.json()["items"]}
    assert str(held) in on_hold_ids and str(free) not in on_hold_ids
    assert str(free) in not_on_hold_ids and str(held) not in not_on_hold_ids
