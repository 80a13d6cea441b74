"""Invoicing keeps the newest terms credit-policy sent for each customer, and issues with them."""

from __future__ import annotations

import uuid
from decimal import Decimal

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.terms.consumers import on_customer_terms_changed
from invoicing.terms.models import CustomerTerms
from invoicing.testing import count, create_known_customer, issue, terms_changed
from receivables_shared.clock import ManualClock
from receivables_shared.events import CustomerTermsChanged
from receivables_shared.testing.events import handler_context


async def receive(session: AsyncSession, clock: ManualClock, event: CustomerTermsChanged) -> None:
    await on_customer_terms_changed(session, event, handler_context(clock, CustomerTermsChanged))


async def stored_terms(session: AsyncSession, customer_id: uuid.UUID) -> CustomerTerms:
    terms = await session.get(CustomerTerms, customer_id, populate_existing=True)
    assert terms is not None
    return terms


async def test_terms_are_kept_per_customer(session: AsyncSession, clock: ManualClock) -> None:
    customer_id = uuid.uuid4()

    await receive(session, clock, terms_changed(customer_id, 1))

    terms = await stored_terms(session, customer_id)
    assert (terms.terms_version, terms.payment_term_days, terms.business_day_rule) == (
        1,
        14,
        "none",
    )
    assert (terms.late_interest_percent_per_month, terms.interest_grace_days) == (
        Decimal("1.5"),
        3,
    )


async def test_a_newer_version_replaces_and_an_older_one_is_ignored(
    session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = uuid.uuid4()
    await receive(session, clock, terms_changed(customer_id, 2, payment_term_days=20))

    await receive(session, clock, terms_changed(customer_id, 3, payment_term_days=45))
    await receive(session, clock, terms_changed(customer_id, 1, payment_term_days=5))  # late

    terms = await stored_terms(session, customer_id)
    assert (terms.terms_version, terms.payment_term_days) == (3, 45)
    assert await count(session, CustomerTerms) == 1


async def test_an_invoice_takes_its_term_discount_and_interest_from_the_terms(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = await create_known_customer(session)
    await receive(session, clock, terms_changed(customer_id, 4))

    invoice = await issue(client, customer_id, issue_date="2026-03-02")

    assert (invoice["due_date"], invoice["payment_term_days"]) == ("2026-03-16", 14)
    assert (invoice["terms_source"], invoice["terms_version"]) == ("customer_terms", 4)
    assert invoice["business_day_rule"] == "none"
    assert (invoice["discount_until"], invoice["discount_amount"]) == ("2026-03-09", "24.01")
    assert (invoice["late_interest_percent_per_month"], invoice["interest_grace_days"]) == (
        "1.5",
        3,
    )


async def test_an_explicit_term_in_the_request_overrides_the_terms_and_is_recorded(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = await create_known_customer(session)
    await receive(session, clock, terms_changed(customer_id, 1))

    invoice = await issue(client, customer_id, issue_date="2026-03-02", payment_term_days=60)

    assert (invoice["due_date"], invoice["payment_term_days"]) == ("2026-05-01", 60)
    assert invoice["terms_source"] == "request"
