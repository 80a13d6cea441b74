"""POST /v1/credit-checks and the reservations, through the REST API; exposure comes from
invoicing's events handed to the handlers."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.credit_checks import service
from credit_policy.credit_checks.models import CreditReservation
from credit_policy.exposure.consumers import on_invoice_issued
from receivables_shared.auth.keys import Scope
from receivables_shared.clock import ManualClock
from receivables_shared.events import InvoiceIssued
from receivables_shared.testing.events import create_invoice_issued, handler_context
from receivables_shared.testing.helpers import api_key_headers

CreditCustomer = Callable[..., Awaitable[uuid.UUID]]


def check(customer_id: uuid.UUID, amount: str, **extra: Any) -> dict[str, Any]:
    return {
        "customer_id": str(customer_id),
        "amount": amount,
        "currency": "EUR",
        "order_reference": "SO-1",
        **extra,
    }


async def issue(
    session: AsyncSession,
    clock: ManualClock,
    customer_id: uuid.UUID,
    total: str,
    *,
    due_date: date = date(2026, 4, 1),
    order_reference: str | None = None,
) -> InvoiceIssued:
    event = create_invoice_issued(customer_id, total=total, due_date=due_date).model_copy(
        update={"order_reference": order_reference}
    )
    await on_invoice_issued(session, event, handler_context(clock, InvoiceIssued))
    return event


async def reservations(session: AsyncSession, customer_id: uuid.UUID) -> list[CreditReservation]:
    rows = await session.scalars(
        select(CreditReservation)
        .where(CreditReservation.customer_id == customer_id)
        .order_by(CreditReservation.created_at)
        .execution_options(populate_existing=True)
    )
    return list(rows.all())


async def test_within_the_limit_is_approved_with_limit_exposure_and_available(
    client: httpx.AsyncClient,
    session: AsyncSession,
    clock: ManualClock,
    credit_customer: CreditCustomer,
) -> None:
    customer_id = await credit_customer("5000.00")
    await issue(session, clock, customer_id, "1200.50")

    response = await client.post("/v1/credit-checks", json=check(customer_id, "800.00"))

    assert response.status_code == 200, response.text
    assert response.json() == {
        "decision": "approved",
        "currency": "EUR",
        "limit": "5000.00",
        "exposure": "1200.50",
        "available": "3799.50",
        "reasons": [],
        "reservation_id": None,
        "prepayment_amount": None,
    }
    assert await reservations(session, customer_id) == []


async def test_over_the_limit_is_declined(
    client: httpx.AsyncClient,
    session: AsyncSession,
    clock: ManualClock,
    credit_customer: CreditCustomer,
) -> None:
    customer_id = await credit_customer("1000.00")
    await issue(session, clock, customer_id, "600.00")

    exact = await client.post("/v1/credit-checks", json=check(customer_id, "400.00"))
    over = await client.post("/v1/credit-checks", json=check(customer_id, "400.01", reserve=True))

    assert exact.json()["decision"] == "approved"
    assert (over.json()["decision"], over.json()["reasons"]) == ("declined", ["over_limit"])
    assert over.json()["reservation_id"] is None
    assert await reservations(session, customer_id) == []


async def test_reservations_count_in_exposure_until_released(
    client: httpx.AsyncClient, session: AsyncSession, credit_customer: CreditCustomer
) -> None:
    customer_id = await credit_customer("1000.00")

    first = await client.post("/v1/credit-checks", json=check(customer_id, "700.00", reserve=True))
    second = await client.post("/v1/credit-checks", json=check(customer_id, "700.00"))
    released = await client.delete(f"/v1/reservations/{first.json()['reservation_id']}")
    third = await client.post("/v1/credit-checks", json=check(customer_id, "700.00"))

    assert first.json()["decision"] == "approved"
    assert first.json()["reservation_id"] is not None
    assert (second.json()["decision"], second.json()["exposure"]) == ("declined", "700.00")
    assert released.status_code == 204
    assert (third.json()["decision"], third.json()["exposure"]) == ("approved", "0.00")
    (reservation,) = await reservations(session, customer_id)
    assert reservation.status == "released"


async def test_releasing_twice_is_harmless_and_an_unknown_reservation_is_404(
    client: httpx.AsyncClient, credit_customer: CreditCustomer
) -> None:
    customer_id = await credit_customer("1000.00")
    reserved = await client.post(
        "/v1/credit-checks", json=check(customer_id, "10.00", reserve=True)
    )
    path = f"/v1/reservations/{reserved.json()['reservation_id']}"

    assert (await client.delete(path)).status_code == 204
    assert (await client.delete(path)).status_code == 204
    assert (await client.get(path)).json()["status"] == "released"
    missing = await client.delete(f"/v1/reservations/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


async def test_the_invoice_for_the_order_consumes_the_reservation(
    client: httpx.AsyncClient,
    session: AsyncSession,
    clock: ManualClock,
    credit_customer: CreditCustomer,
) -> None:
    customer_id = await credit_customer("1000.00")
    reserved = await client.post(
        "/v1/credit-checks",
        json=check(customer_id, "700.00", reserve=True, order_reference="SO-77"),
    )

    await issue(session, clock, customer_id, "650.00", order_reference="SO-77")

    (reservation,) = await reservations(session, customer_id)
    assert (reservation.id, reservation.status) == (
        uuid.UUID(reserved.json()["reservation_id"]),
        "consumed",
    )
    # The invoice's amount took the reservation's place.
    after = await client.post("/v1/credit-checks", json=check(customer_id, "1.00"))
    assert after.json()["exposure"] == "650.00"
    released = await client.delete(f"/v1/reservations/{reservation.id}")
    assert released.status_code == 409


async def test_an_expired_reservation_stops_counting_at_once_and_the_job_marks_it(
    client: httpx.AsyncClient,
    session: AsyncSession,
    clock: ManualClock,
    credit_customer: CreditCustomer,
) -> None:
    customer_id = await credit_customer("1000.00")
    await client.post("/v1/credit-checks", json=check(customer_id, "900.00", reserve=True))
    clock.advance(timedelta(minutes=59))
    before = await client.post("/v1/credit-checks", json=check(customer_id, "200.00"))
    clock.advance(timedelta(minutes=1))

    after = await client.post("/v1/credit-checks", json=check(customer_id, "200.00"))

    assert before.json()["decision"] == "declined"
    assert (after.json()["decision"], after.json()["exposure"]) == ("approved", "0.00")
    (reservation,) = await reservations(session, customer_id)
    assert reservation.status == "active"  # not marked yet, but no longer counted


async def test_the_expiry_job_marks_every_reservation_past_its_time(
    session: AsyncSession,
    clock: ManualClock,
    credit_customer: CreditCustomer,
    client: httpx.AsyncClient,
) -> None:
    customer_id = await credit_customer("1000.00")
    await client.post("/v1/credit-checks", json=check(customer_id, "100.00", reserve=True))
    clock.advance(timedelta(minutes=30))
    await client.post(
        "/v1/credit-checks", json=check(customer_id, "100.00", reserve=True, order_reference="SO-2")
    )
    clock.advance(timedelta(minutes=31))

    # What the expire-reservations job runs in each round.
    assert await service.expire_reservations(session, clock) >= 1

    statuses = [r.status for r in await reservations(session, customer_id)]
    assert statuses == ["expired", "active"]


async def test_the_same_request_with_the_same_key_reserves_once(
    client: httpx.AsyncClient, session: AsyncSession, credit_customer: CreditCustomer
) -> None:
    customer_id = await credit_customer("1000.00")
    headers = {"Idempotency-Key": "order-4711"}
    body = check(customer_id, "600.00", reserve=True)

    first = await client.post("/v1/credit-checks", json=body, headers=headers)
    again = await client.post("/v1/credit-checks", json=body, headers=headers)

    assert first.json()["decision"] == "approved"
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(await reservations(session, customer_id)) == 1


async def test_customer_without_agreed_terms_is_referred(
    client: httpx.AsyncClient, new_customer: Callable[..., Awaitable[uuid.UUID]]
) -> None:
    customer_id = await new_customer()

    response = await client.post(
        "/v1/credit-checks", json=check(customer_id, "10.00", reserve=True)
    )

    assert response.json()["decision"] == "referred"
    assert response.json()["reasons"] == ["terms_not_agreed"]
    assert response.json()["reservation_id"] is None


async def test_credit_decision_not_granted_is_referred(
    client: httpx.AsyncClient, credit_customer: CreditCustomer
) -> None:
    customer_id = await credit_customer("1000.00", credit_allowed=False)

    response = await client.post("/v1/credit-checks", json=check(customer_id, "10.00"))

    assert (response.json()["decision"], response.json()["reasons"]) == (
        "referred",
        ["terms_not_agreed"],
    )


async def test_prepayment_only_class_requires_the_whole_order_in_advance(
    client: httpx.AsyncClient, credit_customer: CreditCustomer
) -> None:
    customer_id = await credit_customer(None, prepayment_percent="100")

    response = await client.post("/v1/credit-checks", json=check(customer_id, "250.00"))

    assert response.json()["decision"] == "prepayment_required"
    assert response.json()["reasons"] == ["prepayment_only_class"]
    assert response.json()["prepayment_amount"] == "250.00"


async def test_special_control_refers_an_order_above_the_share_of_the_limit(
    client: httpx.AsyncClient, credit_customer: CreditCustomer
) -> None:
    customer_id = await credit_customer("1000.00", special_control=True)

    small = await client.post("/v1/credit-checks", json=check(customer_id, "500.00"))
    large = await client.post("/v1/credit-checks", json=check(customer_id, "500.01", reserve=True))

    assert small.json()["decision"] == "approved"
    assert (large.json()["decision"], large.json()["reasons"]) == (
        "referred",
        ["special_control_large_order"],
    )
    assert large.json()["reservation_id"] is None


async def test_overdue_beyond_grace_declines_without_a_prepayment_share(
    client: httpx.AsyncClient,
    session: AsyncSession,
    clock: ManualClock,
    credit_customer: CreditCustomer,
) -> None:
    customer_id = await credit_customer("5000.00", grace_days=5)
    today = clock.today()
    await issue(session, clock, customer_id, "100.00", due_date=today - timedelta(days=5))
    within_grace = await client.post("/v1/credit-checks", json=check(customer_id, "10.00"))
    clock.advance(timedelta(days=1))

    beyond = await client.post("/v1/credit-checks", json=check(customer_id, "10.00"))

    assert within_grace.json()["decision"] == "approved"
    assert (beyond.json()["decision"], beyond.json()["reasons"]) == (
        "declined",
        ["overdue_beyond_grace"],
    )


async def test_overdue_beyond_grace_asks_for_the_prepayment_share_where_terms_name_one(
    client: httpx.AsyncClient,
    session: AsyncSession,
    clock: ManualClock,
    credit_customer: CreditCustomer,
) -> None:
    customer_id = await credit_customer("5000.00", prepayment_percent="30")
    await issue(session, clock, customer_id, "100.00", due_date=clock.today() - timedelta(days=1))

    response = await client.post(
        "/v1/credit-checks", json=check(customer_id, "333.33", reserve=True)
    )

    assert response.json()["decision"] == "prepayment_required"
    assert response.json()["reasons"] == ["overdue_beyond_grace"]
    # 30 % of 333.33 is 99.999: rounded up to the cent.
    assert response.json()["prepayment_amount"] == "100.00"
    assert response.json()["reservation_id"] is None


async def test_unknown_customer_is_declined_and_nothing_is_reserved(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = uuid.uuid4()

    response = await client.post(
        "/v1/credit-checks", json=check(customer_id, "10.00", reserve=True)
    )

    assert response.status_code == 200
    assert (response.json()["decision"], response.json()["reasons"]) == (
        "declined",
        ["unknown_customer"],
    )
    assert await reservations(session, customer_id) == []


async def count_reservations(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(CreditReservation)) or 0


async def test_bad_input_is_a_422_naming_the_field_and_reserves_nothing(
    client: httpx.AsyncClient, session: AsyncSession, credit_customer: CreditCustomer
) -> None:
    customer_id = await credit_customer("1000.00")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"amount": "0"}, "amount"),
        ({"amount": "-5.00"}, "amount"),
        ({"amount": 5}, "amount"),
        ({"amount": "1.001"}, "amount"),
        ({"currency": "EURO"}, "currency"),
        ({"currency": "XYZ"}, "currency"),
        ({"currency": "USD"}, "currency"),
        ({"order_reference": ""}, "order_reference"),
        ({"customer_id": "nope"}, "customer_id"),
    ]
    before = await count_reservations(session)
    for change, field in cases:
        body = {**check(customer_id, "10.00", reserve=True), **change}

        response = await client.post("/v1/credit-checks", json=body)

        assert response.status_code == 422, (change, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert [error["field"] for error in response.json()["errors"]] == [field], change
    assert await count_reservations(session) == before


async def test_checking_needs_the_write_scope(
    client: httpx.AsyncClient, session: AsyncSession, credit_customer: CreditCustomer
) -> None:
    customer_id = await credit_customer("1000.00")
    read_only = await api_key_headers(session, Scope.READ)

    response = await client.post(
        "/v1/credit-checks", json=check(customer_id, "10.00"), headers=read_only
    )

    assert response.status_code == 403
