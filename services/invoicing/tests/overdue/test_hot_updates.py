"""The job's updates of invoices stay HOT (issue 8): no index names a column it changes, and
the table leaves room on its pages. An index added on one of them makes these tests fail."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.overdue.service import run_overdue_and_interest
from invoicing.testing import create_known_customer, give_terms, issue
from receivables_shared.clock import ManualClock

#: The columns the overdue-and-interest job changes.
JOB_COLUMNS = (
    "open_amount",
    "state",
    "overdue_since",
    "interest_unrounded",
    "interest_accrued_through",
)


async def test_no_index_of_invoices_names_a_column_the_job_changes(session: AsyncSession) -> None:
    definitions = (
        await session.scalars(
            text("SELECT indexdef FROM pg_indexes WHERE tablename = 'invoices' ORDER BY indexname")
        )
    ).all()
    options = await session.scalar(
        text("SELECT reloptions FROM pg_class WHERE oid = CAST('invoices' AS regclass)")
    )

    assert len(definitions) >= 5  # primary key, number, RF reference, customer, due date...
    for definition in definitions:
        for column in JOB_COLUMNS:
            assert not re.search(rf"\b{column}\b", definition), definition
    assert options == ["fillfactor=50"]


async def test_the_jobs_updates_of_invoices_write_no_index(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    for _ in range(3):
        customer_id = await create_known_customer(session)
        await give_terms(
            session,
            customer_id,
            late_interest_percent_per_month=Decimal("1.5"),
            interest_grace_days=0,
            early_payment_discount_percent=Decimal(0),
        )
        await issue(client, customer_id, due_date="2026-03-16")
    await session.flush()
    counts = text(
        "SELECT pg_stat_get_xact_tuples_updated(CAST('invoices' AS regclass)),"
        " pg_stat_get_xact_tuples_hot_updated(CAST('invoices' AS regclass))"
    )
    updated_before, hot_before = (await session.execute(counts)).one()

    for day in (date(2026, 3, 20), date(2026, 3, 21)):  # marked + interest, then interest
        clock.set(datetime(day.year, day.month, day.day, 9, tzinfo=UTC))
        run = await run_overdue_and_interest(session, clock)
        assert run.interest_charged == 3
    updated_after, hot_after = (await session.execute(counts)).one()

    assert updated_after - updated_before == 6
    assert hot_after - hot_before == 6
