"""The periodic jobs as the worker runs them: their own sessions, their own commits, safe to run
twice."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from decimal import Decimal

import pytest_asyncio
from sqlalchemy import select

from credit_policy.credit_checks.jobs import EXPIRE_RESERVATIONS
from credit_policy.credit_checks.models import CreditReservation
from credit_policy.credit_checks.terms import on_customer_terms_changed
from credit_policy.definition import SERVICE
from credit_policy.exposure.consumers import on_invoice_issued
from credit_policy.holds.jobs import CREDIT_HOLDS, HoldsRound
from credit_policy.holds.models import CreditHold
from receivables_shared.clock import ManualClock
from receivables_shared.db.engine import SessionMaker, create_engine, create_sessionmaker
from receivables_shared.events import CustomerTermsChanged, InvoiceIssued
from receivables_shared.jobs import JobContext
from receivables_shared.testing.events import create_invoice_issued, handler_context
from receivables_shared.testing.service import (
    TEST_START,
    database_name_for_tests,
    fresh_database,
    settings_for_tests,
)


@pytest_asyncio.fixture(scope="module")
async def committed(postgres_server_url: str) -> AsyncIterator[SessionMaker]:
    """A database of its own: the jobs commit, so the rolled-back test session cannot serve."""
    url = await fresh_database(
        SERVICE, postgres_server_url, database_name_for_tests(SERVICE, "jobs")
    )
    engine = create_engine(url, pool_size=2)
    yield create_sessionmaker(engine)
    await engine.dispose()


def terms(customer_id: uuid.UUID, version: int, grace_days: int) -> CustomerTermsChanged:
    return CustomerTermsChanged(
        customer_id=customer_id,
        terms_version=version,
        effective_on=date(2026, 3, 1),
        risk_class="B",
        credit_allowed=True,
        currency="EUR",
        credit_limit=Decimal("5000.00"),
        payment_term_days=30,
        business_day_rule="none",
        prepayment_percent=Decimal(0),
        early_payment_discount_percent=Decimal(0),
        early_payment_discount_days=0,
        late_interest_percent_per_month=Decimal(0),
        interest_grace_days=0,
        grace_days=grace_days,
        dunning_policy=None,
        special_control=False,
    )


async def test_the_holds_job_places_once_and_releases_when_grace_grows(
    committed: SessionMaker,
) -> None:
    clock = ManualClock(TEST_START)
    customer_id = uuid.uuid4()
    context = JobContext(committed, clock, settings_for_tests(SERVICE, "", "127.0.0.1:1"))
    async with committed() as session, session.begin():
        await on_customer_terms_changed(
            session, terms(customer_id, 1, 2), handler_context(clock, CustomerTermsChanged)
        )
        invoice = create_invoice_issued(customer_id, due_date=clock.today() - timedelta(days=3))
        await on_invoice_issued(session, invoice, handler_context(clock, InvoiceIssued))

    first = await CREDIT_HOLDS.run(context)
    second = await CREDIT_HOLDS.run(context)
    async with committed() as session, session.begin():
        # Grace raised to 10 days (a newer terms version); an older version arriving late
        # changes nothing.
        await on_customer_terms_changed(
            session, terms(customer_id, 3, 10), handler_context(clock, CustomerTermsChanged)
        )
        await on_customer_terms_changed(
            session, terms(customer_id, 2, 0), handler_context(clock, CustomerTermsChanged)
        )
    third = await CREDIT_HOLDS.run(context)

    # This database is the module's own: the rounds count only this customer.
    assert (first, second, third) == (
        HoldsRound(placed=1, released=0),
        HoldsRound(placed=0, released=0),
        HoldsRound(placed=0, released=1),
    )
    async with committed() as session:
        holds = (
            await session.scalars(select(CreditHold).where(CreditHold.customer_id == customer_id))
        ).all()
    (hold,) = holds
    assert (hold.reason, hold.placed_on, hold.released_on, hold.release_reason) == (
        "overdue_beyond_grace",
        clock.today(),
        clock.today(),
        "overdue_paid",
    )


async def test_the_expiry_job_marks_reservations_past_their_time(committed: SessionMaker) -> None:
    clock = ManualClock(TEST_START)
    context = JobContext(committed, clock, settings_for_tests(SERVICE, "", "127.0.0.1:1"))
    customer_id = uuid.uuid4()
    async with committed() as session, session.begin():
        for minutes in (-1, 1):
            session.add(
                CreditReservation(
                    customer_id=customer_id,
                    currency="EUR",
                    amount=Decimal("10.00"),
                    order_reference=f"SO-{minutes}",
                    status="active",
                    created_at=clock.now() - timedelta(hours=1),
                    expires_at=clock.now() + timedelta(minutes=minutes),
                )
            )

    expired = await EXPIRE_RESERVATIONS.run(context)

    assert expired == 1
    async with committed() as session:
        statuses = (
            await session.scalars(
                select(CreditReservation.status)
                .where(CreditReservation.customer_id == customer_id)
                .order_by(CreditReservation.expires_at)
            )
        ).all()
    assert list(statuses) == ["expired", "active"]
