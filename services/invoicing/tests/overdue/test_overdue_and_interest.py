"""The overdue-and-interest job against real PostgreSQL: overdue once, interest day by day equal
to one run over the month, grace days, payments, due-date extensions, repeated runs."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.ledger.models import InvoiceMovement, MovementKind
from invoicing.ledger.service import post_movement
from invoicing.overdue.service import run_overdue_and_interest
from invoicing.testing import (
    create_known_customer,
    give_terms,
    issue,
    outbox_events,
    stored_invoice,
)
from receivables_shared.clock import ManualClock
from receivables_shared.events import InvoiceOverdue, LateFeeCharged

DUE = date(2026, 3, 16)  # a Monday; terms' business_day_rule is "none" anyway


def on(clock: ManualClock, day: date) -> None:
    clock.set(datetime(day.year, day.month, day.day, 9, tzinfo=UTC))


def expected_interest(principal: str, percent: str, days: int, currency_places: int = 2) -> Decimal:
    """percent per month x 12 / 365 per day, kept to 12 decimals, rounded half-up at the end."""
    per_day = (Decimal(principal) * Decimal(percent) * 12 / 36500).quantize(Decimal("1e-12"))
    return (per_day * days).quantize(Decimal(1).scaleb(-currency_places), ROUND_HALF_UP)


async def overdue_invoice(
    client: httpx.AsyncClient,
    session: AsyncSession,
    *,
    percent: str = "1.5",
    grace_days: int = 0,
    currency: str = "EUR",
    **overrides: Any,
) -> dict[str, Any]:
    """An invoice of 1200.50 (2 x 600.25, no tax), issued 2026-03-02, due DUE."""
    customer_id = await create_known_customer(session, currency=currency)
    await give_terms(
        session,
        customer_id,
        currency=currency,
        late_interest_percent_per_month=Decimal(percent),
        interest_grace_days=grace_days,
        early_payment_discount_percent=Decimal(0),
    )
    body = {"due_date": DUE.isoformat(), "currency": currency, **overrides}
    return dict(await issue(client, customer_id, **body))


async def interest_movements(session: AsyncSession, invoice_id: str) -> list[InvoiceMovement]:
    return list(
        (
            await session.scalars(
                select(InvoiceMovement)
                .where(
                    InvoiceMovement.invoice_id == uuid.UUID(invoice_id),
                    InvoiceMovement.kind == MovementKind.INTEREST,
                )
                .order_by(InvoiceMovement.sequence)
            )
        ).all()
    )


async def fees_of(session: AsyncSession, invoice_id: str) -> list[LateFeeCharged]:
    events = [LateFeeCharged.model_validate(e.payload) for e in await outbox_events(session)
              if e.event_type == LateFeeCharged.event_type()]  # fmt: skip
    return [event for event in events if str(event.invoice_id) == invoice_id]


async def test_an_invoice_is_overdue_the_day_after_its_due_date_and_announced_once(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    invoice = await overdue_invoice(client, session, percent="0")
    on(clock, DUE)
    assert (await run_overdue_and_interest(session, clock)).newly_overdue == 0
    assert (await stored_invoice(session, invoice["id"])).state == "issued"

    on(clock, DUE + timedelta(days=1))
    first = await run_overdue_and_interest(session, clock)
    on(clock, DUE + timedelta(days=5))
    later = await run_overdue_and_interest(session, clock)

    assert (first.newly_overdue, later.newly_overdue) == (1, 0)
    stored = await stored_invoice(session, invoice["id"])
    assert (stored.state, stored.overdue_since) == ("overdue", DUE + timedelta(days=1))
    [event] = await outbox_events(session, "InvoiceOverdue")
    assert InvoiceOverdue.model_validate(event.payload) == InvoiceOverdue(
        customer_id=uuid.UUID(invoice["customer_id"]),
        invoice_id=uuid.UUID(invoice["id"]),
        number=invoice["number"],
        currency="EUR",
        due_date=DUE,
        overdue_on=DUE + timedelta(days=1),
        open_amount=Decimal("1200.50"),
    )
    assert event.partition_key == invoice["customer_id"]
    assert event.payload["open_amount"] == "1200.50"  # the currency's decimals
    assert await interest_movements(session, invoice["id"]) == []  # 0 % agreed: no interest


async def test_daily_runs_over_a_month_charge_what_one_run_over_the_month_charges(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    daily = await overdue_invoice(client, session)
    for day in range(1, 32):  # 2026-03-17 .. 2026-04-16
        on(clock, DUE + timedelta(days=day))
        await run_overdue_and_interest(session, clock)
    # The same invoice, issued afterwards with the same dates, is accrued in one run.
    once = await overdue_invoice(client, session, issue_date="2026-03-02")
    await run_overdue_and_interest(session, clock)

    daily_movements = await interest_movements(session, daily["id"])
    [once_movement] = await interest_movements(session, once["id"])
    month = expected_interest("1200.50", "1.5", 31)  # 18.35
    assert month == Decimal("18.35")
    assert sum(m.amount for m in daily_movements) == once_movement.amount == month
    # Each day's posting is the cumulative interest rounded, less what was posted before.
    assert [m.amount for m in daily_movements][:3] == [Decimal("0.59"), Decimal("0.59"),
                                                        Decimal("0.60")]  # fmt: skip
    assert len(daily_movements) == 31
    for invoice in (daily, once):
        stored = await stored_invoice(session, invoice["id"])
        assert stored.open_amount == Decimal("1200.50") + month  # interest is receivable
        assert stored.interest_accrued_through == DUE + timedelta(days=31)
    [fee] = await fees_of(session, once["id"])
    assert (fee.kind, fee.amount, fee.period_start, fee.period_end) == (
        "interest",
        month,
        DUE + timedelta(days=1),
        DUE + timedelta(days=31),
    )
    assert fee.open_amount == Decimal("1218.85")
    assert fee.fee_id == once_movement.source_id
    assert fee.movement_sequence == once_movement.sequence  # consumers order by it
    daily_fees = await fees_of(session, daily["id"])
    assert [f.movement_sequence for f in daily_fees] == [m.sequence for m in daily_movements]


async def test_running_again_on_the_same_day_changes_nothing(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    invoice = await overdue_invoice(client, session)
    on(clock, DUE + timedelta(days=10))
    first = await run_overdue_and_interest(session, clock)
    events = len(await outbox_events(session))

    again = await run_overdue_and_interest(session, clock)
    on(clock, DUE + timedelta(days=4))  # an earlier date: already accrued
    earlier = await run_overdue_and_interest(session, clock)

    assert (first.newly_overdue, first.interest_charged) == (1, 1)
    assert (again.newly_overdue, again.interest_charged) == (0, 0)
    assert (earlier.newly_overdue, earlier.interest_charged) == (0, 0)
    assert len(await outbox_events(session)) == events
    [movement] = await interest_movements(session, invoice["id"])
    assert movement.amount == expected_interest("1200.50", "1.5", 10)
    stored = await stored_invoice(session, invoice["id"])
    assert stored.open_amount == Decimal("1200.50") + movement.amount


async def test_interest_starts_after_the_grace_days(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    invoice = await overdue_invoice(client, session, grace_days=3)
    for day in range(1, 4):
        on(clock, DUE + timedelta(days=day))
        await run_overdue_and_interest(session, clock)
    assert await interest_movements(session, invoice["id"]) == []
    assert (await stored_invoice(session, invoice["id"])).state == "overdue"

    on(clock, DUE + timedelta(days=4))
    await run_overdue_and_interest(session, clock)

    [movement] = await interest_movements(session, invoice["id"])
    assert movement.amount == expected_interest("1200.50", "1.5", 1)
    [fee] = await fees_of(session, invoice["id"])
    assert fee.period_start == fee.period_end == DUE + timedelta(days=4)


async def test_interest_accrues_on_the_principal_still_overdue_and_stops_when_paid(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    invoice = await overdue_invoice(client, session)
    on(clock, DUE + timedelta(days=10))
    await run_overdue_and_interest(session, clock)
    stored = await stored_invoice(session, invoice["id"])
    first = expected_interest("1200.50", "1.5", 10)
    # Pays 1000.50: the interest first, then 1000.50 - interest of the principal (payments
    # settle fees and interest before the principal), so 200.00 + interest is left.
    await post_movement(session, stored, kind=MovementKind.PAYMENT, amount=Decimal("-1000.50"),
                        business_date=clock.today(), source_id=uuid.uuid4())  # fmt: skip

    on(clock, DUE + timedelta(days=20))
    await run_overdue_and_interest(session, clock)
    stored = await stored_invoice(session, invoice["id"])
    await post_movement(session, stored, kind=MovementKind.PAYMENT, amount=-stored.open_amount,
                        business_date=clock.today(), source_id=uuid.uuid4())  # fmt: skip
    on(clock, DUE + timedelta(days=40))
    last = await run_overdue_and_interest(session, clock)

    amounts = [m.amount for m in await interest_movements(session, invoice["id"])]
    # The second period: the cumulative interest on the principal left for 10 more days.
    principal_left = Decimal("200.00") + first
    cumulative = (
        (Decimal("1200.50") * Decimal("1.5") * 12 / 36500).quantize(Decimal("1e-12")) * 10
        + (principal_left * Decimal("1.5") * 12 / 36500).quantize(Decimal("1e-12")) * 10
    ).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert amounts == [first, cumulative - first]
    assert last.interest_charged == 0
    assert (await stored_invoice(session, invoice["id"])).state == "paid"


async def test_a_due_date_extension_stops_interest_until_the_new_date(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    invoice = await overdue_invoice(client, session)
    on(clock, DUE + timedelta(days=5))
    await run_overdue_and_interest(session, clock)
    new_due = DUE + timedelta(days=20)
    response = await client.post(
        f"/v1/invoices/{invoice['id']}/due-date-extensions",
        json={"due_date": new_due.isoformat(), "reason": "Second letter: term extended"},
    )
    assert response.status_code == 200, response.text
    assert (response.json()["overdue_since"], response.json()["state"]) == (None, "issued")

    for day in range(6, 21):  # up to and including the new due date
        on(clock, DUE + timedelta(days=day))
        await run_overdue_and_interest(session, clock)
    assert len(await interest_movements(session, invoice["id"])) == 1
    assert (await stored_invoice(session, invoice["id"])).state == "issued"

    on(clock, new_due + timedelta(days=2))
    await run_overdue_and_interest(session, clock)

    stored = await stored_invoice(session, invoice["id"])
    assert (stored.state, stored.overdue_since) == ("overdue", new_due + timedelta(days=1))
    assert len(await outbox_events(session, "InvoiceOverdue")) == 2  # announced again
    fees = await fees_of(session, invoice["id"])
    assert [(f.period_start, f.period_end) for f in fees] == [
        (DUE + timedelta(days=1), DUE + timedelta(days=5)),
        (new_due + timedelta(days=1), new_due + timedelta(days=2)),
    ]
    assert sum(f.amount for f in fees) == expected_interest("1200.50", "1.5", 7)


async def test_yen_interest_below_one_yen_a_day_is_carried_until_it_makes_a_yen(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    invoice = await overdue_invoice(
        client,
        session,
        currency="JPY",
        lines=[{"description": "Parts", "quantity": "1", "unit_price": "1000"}],
    )
    for day in range(1, 11):  # 1000 x 1.5 % x 12 / 365 = 0.49 yen a day
        on(clock, DUE + timedelta(days=day))
        await run_overdue_and_interest(session, clock)

    amounts = [m.amount for m in await interest_movements(session, invoice["id"])]
    assert sum(amounts) == expected_interest("1000", "1.5", 10, currency_places=0) == 5
    assert all(amount == 1 for amount in amounts)
    assert {
        fee.model_dump(mode="json")["amount"] for fee in await fees_of(session, invoice["id"])
    } == {"1"}
    assert (await stored_invoice(session, invoice["id"])).open_amount == 1005
