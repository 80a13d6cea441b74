"""Migration 0003 of collections and analytics: invoices kept before it are open for their total,
and their books balance (the migration records their `invoiced` movement)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from analytics.definition import SERVICE as ANALYTICS
from analytics.receivables.models import InvoiceFact, InvoiceMovement
from collection.definition import SERVICE as COLLECTIONS
from collection.receivables.models import Receivable, ReceivableMovement
from receivables_shared.db.migrations import alembic_config
from receivables_shared.db.open_amount_projection import OpenAmountProjection
from receivables_shared.service import ServiceDefinition
from receivables_shared.testing.service import database_name_for_tests, fresh_database

# (service, its invoice and movement models, an INSERT of a row as revision 0002 knew it)
CASES = [
    (
        COLLECTIONS,
        (Receivable, ReceivableMovement),
        "INSERT INTO receivables (invoice_id, customer_id, number, currency, amount_due, due_date)"
        " VALUES (:invoice, :customer, 'INV-2026-000001', 'EUR', 1200.50, '2026-04-01')",
    ),
    (
        ANALYTICS,
        (InvoiceFact, InvoiceMovement),
        "INSERT INTO invoice_facts"
        " (invoice_id, customer_id, currency, amount, issue_date, due_date)"
        " VALUES (:invoice, :customer, 'EUR', 1200.50, '2026-03-02', '2026-04-01')",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case[0].name)
async def test_invoices_kept_before_0003_are_open_for_their_total_and_balance(
    postgres_server_url: str, case: tuple[ServiceDefinition, tuple[type, type], str]
) -> None:
    definition, (invoices, movements), insert_before = case
    url = await fresh_database(
        definition, postgres_server_url, database_name_for_tests(definition, "open_0003")
    )
    engine = create_async_engine(url, poolclass=NullPool)
    customer, invoice = uuid.uuid4(), uuid.uuid4()
    try:
        async with engine.begin() as connection:
            await connection.run_sync(
                lambda sync: command.downgrade(alembic_config(definition, sync), "0002")
            )
            await connection.execute(
                text(insert_before), {"invoice": invoice, "customer": customer}
            )
            await connection.run_sync(
                lambda sync: command.upgrade(alembic_config(definition, sync), "head")
            )
        async with AsyncSession(engine) as session:
            [balance] = await OpenAmountProjection(session, invoices, movements).balances(customer)
    finally:
        await engine.dispose()

    assert (balance.invoiced, balance.open, balance.balanced) == (
        Decimal("1200.50"), Decimal("1200.50"), True,
    )  # fmt: skip
