"""Ranking, ABC segments and special control through the REST API, from real invoicing
events (InvoiceIssued, PaymentApplied) as of the business date 2026-03-02."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.definition import SERVICE
from credit_policy.history.models import CreditHistoryEntry
from credit_policy.ranking.special_control import apply_special_control_rules
from credit_policy.terms.effective import set_special_control
from receivables_shared.clock import ManualClock
from receivables_shared.events import (
    CreditNoteIssued,
    Event,
    InvoiceCancelled,
    InvoiceIssued,
    PaymentApplied,
)
from receivables_shared.testing.events import create_invoice_issued, handler_context

NewCustomer = Callable[..., Awaitable[uuid.UUID]]
EventsOf = Callable[[uuid.UUID], Awaitable[list[dict[str, Any]]]]


async def deliver(session: AsyncSession, clock: ManualClock, event: Event) -> None:
    """As the consumer does: the handler the service definition wires for the event."""
    await SERVICE.handlers[type(event)](session, event, handler_context(clock, type(event)))


async def invoice(
    session: AsyncSession,
    clock: ManualClock,
    customer_id: uuid.UUID,
    *,
    issued: date,
    due: date,
    total: str,
    currency: str = "EUR",
) -> InvoiceIssued:
    event = create_invoice_issued(
        customer_id, total=total, issue_date=issued, due_date=due, currency=currency
    )
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
    await deliver(session, clock, event)  # a redelivery counts once


async def three_customers(
    session: AsyncSession, clock: ManualClock, new_customer: NewCustomer
) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """X pays in 45 days; Y owes a 29-day-old invoice; Z a 90-day-old one."""
    x = await new_customer(name="X")
    y = await new_customer(name="Y")
    z = await new_customer(name="Z")
    paid = await invoice(
        session, clock, x, issued=date(2026, 1, 2), due=date(2026, 2, 1), total="1200.00"
    )
    await pay(session, clock, paid, date(2026, 2, 16), "1200.00")
    # Issued and paid before the 12 months: neither revenue nor days to pay.
    old = await invoice(
        session, clock, x, issued=date(2025, 1, 10), due=date(2025, 2, 9), total="5000.00"
    )
    await pay(session, clock, old, date(2025, 2, 10), "5000.00")
    await invoice(session, clock, y, issued=date(2026, 2, 1), due=date(2026, 3, 3), total="600.00")
    await invoice(session, clock, z, issued=date(2025, 12, 2), due=date(2026, 1, 1), total="200.00")
    # Another currency is ranked apart.
    usd = await new_customer(currency="USD", name="U")
    await invoice(
        session,
        clock,
        usd,
        issued=date(2026, 2, 1),
        due=date(2026, 3, 3),
        total="9999.00",
        currency="USD",
    )
    return x, y, z


def rows(response: httpx.Response) -> list[tuple[str, str, str, str]]:
    assert response.status_code == 200, response.text
    return [
        (item["name"], item["value"], item["cumulative_percent"], item["segment"])
        for item in response.json()["items"]
    ]


async def test_revenue_over_twelve_months_ranked_into_abc_segments(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock, new_customer: NewCustomer
) -> None:
    await three_customers(session, clock, new_customer)

    response = await client.get(
        "/v1/customers/ranking", params={"by": "revenue", "currency": "EUR"}
    )

    # A while the share of those ranked before is under 80%, B under 95%, C the rest.
    assert rows(response) == [
        ("X", "1200.000", "60.00", "A"),
        ("Y", "600.000", "90.00", "A"),
        ("Z", "200.000", "100.00", "B"),
    ]
    assert (response.json()["total"], response.json()["as_of"]) == ("2000.000", "2026-03-02")


async def test_revenue_is_net_of_credit_notes_and_cancellations(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock, new_customer: NewCustomer
) -> None:
    x, _, z = await three_customers(session, clock, new_customer)
    wrong = await invoice(
        session, clock, z, issued=date(2026, 2, 10), due=date(2026, 3, 12), total="5000.00"
    )
    credited = CreditNoteIssued(
        customer_id=x,
        credit_note_id=uuid.uuid4(),
        invoice_id=(
            await invoice(
                session, clock, x, issued=date(2026, 2, 5), due=date(2026, 3, 7), total="300.00"
            )
        ).invoice_id,
        number="CN-2026-000001",
        currency="EUR",
        amount=Decimal("100.00"),
        issued_on=date(2026, 2, 20),
        reason="damaged",
        open_amount=Decimal("200.00"),
    )
    cancelled = InvoiceCancelled(
        customer_id=z,
        invoice_id=wrong.invoice_id,
        currency="EUR",
        amount=Decimal("5000.00"),
        cancelled_on=date(2026, 2, 11),
        reason="issued in error",
    )
    for event in (credited, credited, cancelled, cancelled):  # redeliveries count once
        await deliver(session, clock, event)

    response = await client.get(
        "/v1/customers/ranking", params={"by": "revenue", "currency": "EUR"}
    )

    # X: 1200 + 300 - 100; Z: 200 + 5000 - 5000 (the cancelled invoice is no revenue).
    assert [(name, value) for name, value, _, _ in rows(response)] == [
        ("X", "1400.000"),
        ("Y", "600.000"),
        ("Z", "200.000"),
    ]
    assert response.json()["total"] == "2200.000"


async def test_exposure_ranks_the_open_receivables(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock, new_customer: NewCustomer
) -> None:
    await three_customers(session, clock, new_customer)

    response = await client.get(
        "/v1/customers/ranking", params={"by": "exposure", "currency": "EUR"}
    )

    assert rows(response) == [("Y", "600.000", "75.00", "A"), ("Z", "200.000", "100.00", "A")]


async def test_potential_debt_is_monthly_invoicing_times_days_to_pay_over_thirty(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock, new_customer: NewCustomer
) -> None:
    await three_customers(session, clock, new_customer)

    response = await client.get(
        "/v1/customers/ranking", params={"by": "potential-debt", "currency": "EUR", "limit": 2}
    )

    assert response.status_code == 200, response.text
    items = response.json()["items"]
    # X: 1200/12 x 45/30 = 150; Z: 200/12 x 90 (open, its age so far)/30 = 50; Y: 48.333.
    assert [(i["name"], i["potential_debt"], i["days_to_pay"]) for i in items] == [
        ("X", "150.000", "45.0"),
        ("Z", "50.000", "90.0"),
    ]
    assert response.json()["total"] == "248.333"


async def test_thresholds_are_data(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock, new_customer: NewCustomer
) -> None:
    await three_customers(session, clock, new_customer)

    put = await client.put(
        "/v1/ranking/abc-thresholds", json={"a_percent": "50", "b_percent": "70"}
    )
    response = await client.get(
        "/v1/customers/ranking", params={"by": "revenue", "currency": "EUR"}
    )

    assert put.status_code == 200, put.text
    assert [row[3] for row in rows(response)] == ["A", "B", "C"]
    assert (await client.get("/v1/ranking/abc-thresholds")).json() == {
        "a_percent": "50.00",
        "b_percent": "70.00",
    }


async def test_bad_ranking_requests_are_422s_naming_the_field(client: httpx.AsyncClient) -> None:
    cases = [
        ({"by": "mood", "currency": "EUR"}, "by"),
        ({"by": "revenue"}, "currency"),
        ({"by": "revenue", "currency": "XXX"}, "currency"),
        ({"by": "revenue", "currency": "EUR", "limit": "0"}, "limit"),
    ]
    for params, field in cases:
        response = await client.get("/v1/customers/ranking", params=params)
        assert response.status_code == 422, params
        assert response.json()["errors"][0]["field"] == field
    thresholds = await client.put(
        "/v1/ranking/abc-thresholds", json={"a_percent": "90", "b_percent": "80"}
    )
    assert (thresholds.status_code, thresholds.json()["errors"][0]["field"]) == (422, "b_percent")
    assert (await client.get("/v1/ranking/abc-thresholds")).json()["a_percent"] == "80.00"


async def set_rule(client: httpx.AsyncClient, key: str, **values: Any) -> None:
    current = (await client.get(f"/v1/special-control-rules/{key}")).json()
    body = {name: current[name] for name in current if name != "key"} | values
    response = await client.put(f"/v1/special-control-rules/{key}", json=body)
    assert response.status_code == 200, response.text


async def test_a_regular_non_payer_goes_under_special_control_and_off_when_the_rule_stops(
    client: httpx.AsyncClient,
    session: AsyncSession,
    clock: ManualClock,
    new_customer: NewCustomer,
    events_of: EventsOf,
) -> None:
    await set_rule(client, "top-potential-debt", active=False)
    payer = await new_customer(name="payer")
    late = await new_customer(name="late")
    await client.put(f"/v1/customers/{late}/risk-class", json={"risk_class": "B", "reason": "x"})
    # Two invoices overdue beyond the 7 days of grace within 6 months; the payer's one is paid.
    for due in (date(2026, 1, 1), date(2026, 2, 1)):
        await invoice(session, clock, late, issued=date(2025, 12, 1), due=due, total="100.00")
    on_time = await invoice(
        session, clock, payer, issued=date(2026, 1, 1), due=date(2026, 1, 31), total="100.00"
    )
    await pay(session, clock, on_time, date(2026, 1, 30), "100.00")

    first = await apply_special_control_rules(session, clock)
    second = await apply_special_control_rules(session, clock)

    assert (first.placed, second.placed) == (1, 0)
    terms = (await client.get(f"/v1/customers/{late}/terms")).json()
    assert terms["special_control"] is True
    assert terms["special_control_reason"] == "special-control rules matched: regular-non-payer"
    assert (await events_of(late))[-1]["special_control"] is True
    entries = await session.scalars(
        select(CreditHistoryEntry.source).where(
            CreditHistoryEntry.customer_id == late, CreditHistoryEntry.change == "special_control"
        )
    )
    assert entries.all() == ["special_control_rules"]
    assert (await client.get(f"/v1/customers/{payer}/terms")).json()["special_control"] is False

    await set_rule(client, "regular-non-payer", active=False)
    lifted = await apply_special_control_rules(session, clock)

    assert lifted.lifted == 1
    assert (await client.get(f"/v1/customers/{late}/terms")).json()["special_control"] is False
    assert (await events_of(late))[-1]["special_control"] is False


async def test_the_top_of_the_potential_debt_ranking_goes_under_special_control(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock, new_customer: NewCustomer
) -> None:
    await set_rule(client, "regular-non-payer", active=False)
    await set_rule(client, "top-potential-debt", top_n=1, top_percent=None)
    x, y, z = await three_customers(session, clock, new_customer)

    placed = await apply_special_control_rules(session, clock)

    assert placed.placed == 2  # the top in EUR (X) and the top in USD
    flags = [
        (await client.get(f"/v1/customers/{c}/terms")).json()["special_control"] for c in (x, y, z)
    ]
    assert flags == [True, False, False]


async def test_a_flag_a_person_set_is_neither_claimed_nor_lifted_by_the_rules(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock, new_customer: NewCustomer
) -> None:
    await set_rule(client, "regular-non-payer", active=False)
    await set_rule(client, "top-potential-debt", top_n=1, top_percent=None)
    x, _, _ = await three_customers(session, clock, new_customer)
    await set_special_control(
        session, clock, x, special_control=True, reason="watch", actor="anna", source="api"
    )
    await apply_special_control_rules(session, clock)
    await set_rule(client, "top-potential-debt", active=False)

    lifted = await apply_special_control_rules(session, clock)

    assert lifted.lifted == 1  # only the USD customer the rule had flagged
    terms = (await client.get(f"/v1/customers/{x}/terms")).json()
    assert (terms["special_control"], terms["special_control_reason"]) == (True, "watch")


async def test_rules_are_data_checked_on_the_way_in(client: httpx.AsyncClient) -> None:
    created = await client.put(
        "/v1/special-control-rules/chronic-late",
        json={"kind": "regular_non_payer", "min_invoices": 3, "months": 12},
    )
    missing = await client.put(
        "/v1/special-control-rules/bad", json={"kind": "regular_non_payer", "min_invoices": 3}
    )
    unknown = await client.put("/v1/special-control-rules/bad", json={"kind": "gut_feeling"})
    neither = await client.put("/v1/special-control-rules/bad", json={"kind": "top_potential_debt"})

    assert created.status_code == 201, created.text
    assert [
        (r.status_code, r.json()["errors"][0]["field"]) for r in (missing, unknown, neither)
    ] == [
        (422, "months"),
        (422, "kind"),
        (422, "top_n"),
    ]
    keys = [rule["key"] for rule in (await client.get("/v1/special-control-rules")).json()]
    assert keys == ["chronic-late", "regular-non-payer", "top-potential-debt"]


async def test_a_customer_the_rules_flag_has_large_orders_referred(
    client: httpx.AsyncClient,
    session: AsyncSession,
    clock: ManualClock,
    credit_customer: NewCustomer,
) -> None:
    await set_rule(client, "top-potential-debt", active=False)
    customer_id = await credit_customer("5000.00", grace_days=7)
    # Both paid, but each only after its grace: a regular late payer owing nothing today.
    for due in (date(2026, 1, 1), date(2026, 2, 1)):
        paid_late = await invoice(
            session, clock, customer_id, issued=date(2025, 12, 1), due=due, total="10.00"
        )
        await pay(session, clock, paid_late, date(2026, 2, 20), "10.00")
    large = {
        "customer_id": str(customer_id),
        "amount": "3000.00",
        "currency": "EUR",
        "order_reference": "SO-9",
    }

    before = await client.post("/v1/credit-checks", json=large)
    await apply_special_control_rules(session, clock)
    response = await client.post("/v1/credit-checks", json={**large, "order_reference": "SO-10"})

    assert before.json()["decision"] == "approved", before.text
    assert response.status_code == 200, response.text
    assert response.json()["decision"] == "referred"
    assert "special_control_large_order" in response.json()["reasons"]
