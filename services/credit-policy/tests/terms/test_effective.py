"""The functions other credit-policy folders build on (terms/effective.py), against PostgreSQL."""

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from credit_policy.customers.models import Customer
from credit_policy.history.models import CreditHistoryEntry
from credit_policy.terms.effective import (
    apply_credit_decision,
    effective_terms,
    has_clause,
    lock_customer_credit,
    open_credit_account,
    publish_terms,
    set_special_control,
)
from credit_policy.terms.models import CustomerCredit
from receivables_shared.clock import ManualClock
from receivables_shared.http.problems import InvalidField
from receivables_shared.outbox.models import OutboxEvent
from receivables_shared.testing.helpers import eventually

NewCustomer = Callable[..., Awaitable[uuid.UUID]]
EventsOf = Callable[[uuid.UUID], Awaitable[list[dict[str, Any]]]]


async def _history(session: AsyncSession, customer_id: uuid.UUID) -> list[CreditHistoryEntry]:
    rows = await session.scalars(
        select(CreditHistoryEntry)
        .where(CreditHistoryEntry.customer_id == customer_id)
        .order_by(CreditHistoryEntry.id)
    )
    return list(rows)


async def test_a_new_customer_has_no_class_no_credit_and_announces_its_terms(
    session: AsyncSession, new_customer: NewCustomer, events_of: EventsOf
) -> None:
    customer_id = await new_customer()

    terms = await effective_terms(session, customer_id)

    assert terms is not None
    assert (terms.risk_class, terms.credit_allowed, terms.credit_limit) == (None, False, None)
    assert (terms.payment_term_days, terms.prepayment_percent) == (0, Decimal("100.00"))
    assert terms.terms_version == 1
    assert terms.contract_clauses == frozenset()
    [event] = await events_of(customer_id)
    assert event == {
        "customer_id": str(customer_id),
        "terms_version": 1,
        "effective_on": "2026-03-02",
        "risk_class": None,
        "credit_allowed": False,
        "currency": "EUR",
        "credit_limit": None,
        "payment_term_days": 0,
        "business_day_rule": "none",
        "prepayment_percent": "100.00",
        "early_payment_discount_percent": "0.00",
        "early_payment_discount_days": 0,
        "late_interest_percent_per_month": "0.00",
        "interest_grace_days": 0,
        "grace_days": 0,
        "dunning_policy": None,
        "special_control": False,
        "contract_clauses": [],
    }


async def test_unknown_customer_has_no_terms_and_no_lock(session: AsyncSession) -> None:
    assert await effective_terms(session, uuid.uuid4()) is None
    assert await lock_customer_credit(session, uuid.uuid4()) is None


async def test_apply_credit_decision_records_each_change_and_one_event(
    session: AsyncSession, clock: ManualClock, new_customer: NewCustomer, events_of: EventsOf
) -> None:
    customer_id = await new_customer()

    terms = await apply_credit_decision(
        session,
        clock,
        customer_id,
        risk_class="B",
        credit_limit=Decimal("7500.00"),
        credit_allowed=True,
        overrides={"grace_days": 12, "prepayment_percent": "10"},
        reason="assessment 42 accepted",
        actor="credit-committee",
        source="assessment",
        facts={"score": 71},
    )

    assert (terms.risk_class, terms.credit_limit, terms.grace_days) == ("B", Decimal("7500.00"), 12)
    assert terms.prepayment_percent == Decimal("10.00")
    assert terms.payment_term_days == 30  # from class B
    # Granted, but no contract yet: the terms are not agreed, so no credit flows.
    assert terms.credit_allowed is False
    assert terms.terms_version == 2
    events = await events_of(customer_id)
    assert [e["terms_version"] for e in events] == [1, 2]
    assert events[1]["credit_limit"] == "7500.00"
    assert events[1]["risk_class"] == "B"
    entries = await _history(session, customer_id)
    assert [(e.change, e.term, e.before, e.after) for e in entries] == [
        ("risk_class", None, None, "B"),
        ("credit_limit", None, None, "7500.00"),
        ("term_override", "prepayment_percent", None, "10"),
        ("term_override", "grace_days", None, 12),
        (
            "credit_decision",
            None,
            {"credit_allowed": False, "facts": {}},
            {"credit_allowed": True, "facts": {"score": 71}},
        ),
    ]
    assert {(e.actor, e.source, e.reason) for e in entries} == {
        ("credit-committee", "assessment", "assessment 42 accepted")
    }


async def test_credit_flows_with_a_granted_decision_a_credit_class_and_a_contract(
    session: AsyncSession, clock: ManualClock, new_customer: NewCustomer
) -> None:
    customer_id = await new_customer()
    await apply_credit_decision(
        session,
        clock,
        customer_id,
        risk_class="A",
        credit_limit=None,
        credit_allowed=True,
        overrides={},
        reason="clean record",
        actor="t",
        source="api",
    )
    credit = await lock_customer_credit(session, customer_id)
    assert credit is not None
    credit.contract_signed_on = date(2026, 3, 1)
    credit.contract_terms_version = 2
    credit.contract_clauses = ["late_interest", "suspend_service"]
    terms = await publish_terms(session, clock, customer_id, actor="t", reason="contract")

    assert terms.credit_allowed is True
    assert terms.credit_limit == Decimal("20000.00")  # class A's default in EUR
    assert terms.terms_version == 3
    assert has_clause(terms, "suspend_service")
    assert not has_clause(terms, "disable_equipment_remotely")


async def test_a_bad_decision_changes_nothing(
    session: AsyncSession, clock: ManualClock, new_customer: NewCustomer, events_of: EventsOf
) -> None:
    customer_id = await new_customer()
    cases: list[tuple[dict[str, Any], str]] = [
        ({"risk_class": "Z"}, "risk_class"),
        ({"risk_class": "PREPAY", "credit_allowed": True}, "credit_allowed"),
        ({"credit_limit": Decimal("-1")}, "credit_limit"),
        ({"credit_limit": Decimal("10.001")}, "credit_limit"),
        ({"overrides": {"grace_days": 400}}, "overrides.grace_days"),
        ({"overrides": {"colour": "red"}}, "overrides.colour"),
    ]
    for change, field in cases:
        decision: dict[str, Any] = {
            "risk_class": "B",
            "credit_limit": None,
            "credit_allowed": False,
            "overrides": {},
            **change,
        }
        with pytest.raises(InvalidField) as raised:
            await apply_credit_decision(
                session, clock, customer_id, reason="r", actor="t", source="api", **decision
            )
        assert raised.value.field == field

    assert len(await events_of(customer_id)) == 1
    assert await _history(session, customer_id) == []


async def test_special_control_goes_out_with_the_terms(
    session: AsyncSession, clock: ManualClock, new_customer: NewCustomer, events_of: EventsOf
) -> None:
    customer_id = await new_customer()

    terms = await set_special_control(
        session,
        clock,
        customer_id,
        special_control=True,
        reason="top debt",
        actor="ranking",
        source="assessment",
    )
    again = await set_special_control(
        session,
        clock,
        customer_id,
        special_control=True,
        reason="again",
        actor="ranking",
        source="assessment",
    )

    assert terms.special_control and again.special_control
    events = await events_of(customer_id)
    assert [e["special_control"] for e in events] == [False, True]  # a repeat announces nothing
    [entry] = await _history(session, customer_id)
    assert (entry.change, entry.before, entry.after) == ("special_control", False, True)


async def _someone_waits_for_a_lock(engine: AsyncEngine) -> bool:
    async with engine.connect() as connection:
        waiting = await connection.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )
    return bool(waiting)


async def _committed_customer(engine: AsyncEngine, clock: ManualClock) -> uuid.UUID:
    """A customer committed for real, for tests of several transactions at once."""
    async with AsyncSession(engine) as setup:
        customer = Customer(
            name="X",
            country="LV",
            language="lv",
            currency="EUR",
            time_zone="Europe/Riga",
            contacts=[],
        )
        setup.add(customer)
        await setup.flush()
        customer_id = customer.id
        open_credit_account(setup, clock, customer_id, "EUR")
        await setup.commit()
    return customer_id


async def _remove(engine: AsyncEngine, customer_id: uuid.UUID) -> None:
    """What a committed customer left: its rows (credit and history cascade) and its events."""
    async with AsyncSession(engine) as cleanup:
        await cleanup.execute(
            delete(OutboxEvent).where(OutboxEvent.partition_key == str(customer_id))
        )
        await cleanup.execute(delete(Customer).where(Customer.id == customer_id))
        await cleanup.commit()
        assert await cleanup.get(CustomerCredit, customer_id) is None


async def test_lock_customer_credit_serialises_a_customer(
    engine: AsyncEngine, clock: ManualClock
) -> None:
    """A second transaction waits for the first's lock on the customer's credit row."""
    customer_id = await _committed_customer(engine, clock)
    order: list[str] = []
    try:
        async with AsyncSession(engine) as first, AsyncSession(engine) as second:
            assert await lock_customer_credit(first, customer_id) is not None

            async def take_second() -> None:
                await lock_customer_credit(second, customer_id)
                order.append("second")
                await second.rollback()

            waiting = asyncio.create_task(take_second())
            await eventually(lambda: _someone_waits_for_a_lock(engine))
            order.append("first")
            await first.rollback()
            await waiting
        assert order == ["first", "second"]
    finally:
        await _remove(engine, customer_id)


async def test_concurrent_changes_of_one_customer_get_distinct_versions(
    engine: AsyncEngine, clock: ManualClock
) -> None:
    """Changes in parallel transactions serialise on the credit row: no version is lost."""
    customer_id = await _committed_customer(engine, clock)

    async def change(grace_days: int) -> int:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            terms = await apply_credit_decision(
                session,
                clock,
                customer_id,
                risk_class="B",
                credit_limit=None,
                credit_allowed=False,
                overrides={"grace_days": grace_days},
                reason="parallel",
                actor="t",
                source="api",
            )
            await session.commit()
            return terms.terms_version

    try:
        versions = await asyncio.gather(*(change(days) for days in range(1, 9)))
        async with AsyncSession(engine) as check:
            final = await effective_terms(check, customer_id)
            published = await check.scalars(
                select(OutboxEvent).where(OutboxEvent.partition_key == str(customer_id))
            )
            published_versions = sorted(str(e.payload["terms_version"]) for e in published)
        assert sorted(versions) == list(range(2, 10))
        assert published_versions == sorted(str(v) for v in range(1, 10))
        assert final is not None and final.terms_version == 9
    finally:
        await _remove(engine, customer_id)
