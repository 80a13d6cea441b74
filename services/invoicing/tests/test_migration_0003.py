"""Revision 0003 carries invoices issued before it into the ledger: totals, open amount, an
issue movement, an RF reference and the INV counter; and it goes back down to 0002."""

from __future__ import annotations

import uuid
from datetime import date

from alembic import command
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from invoicing.definition import SERVICE
from invoicing.invoices.references import make_rf
from receivables_shared.db.admin import create_database
from receivables_shared.db.engine import with_database
from receivables_shared.db.migrations import alembic_config
from receivables_shared.testing.service import database_name_for_tests

INVOICE_ID = uuid.uuid4()
CUSTOMER_ID = uuid.uuid4()


async def migrate(url: str, revision: str, *, down: bool = False) -> None:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:

            def run(sync: Connection) -> None:
                config = alembic_config(SERVICE, sync)
                (command.downgrade if down else command.upgrade)(config, revision)

            await connection.run_sync(run)
    finally:
        await engine.dispose()


async def rows(url: str, *statements: str) -> list[tuple[object, ...]]:
    """Run the statements in one transaction; the rows of the last."""
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            for sql in statements[:-1]:
                await connection.execute(text(sql))
            result = await connection.execute(text(statements[-1]))
            return [tuple(row) for row in result.all()] if result.returns_rows else []
    finally:
        await engine.dispose()


async def test_invoices_from_before_0003_enter_the_ledger_and_0003_goes_back_down(
    postgres_server_url: str,
) -> None:
    url = with_database(postgres_server_url, database_name_for_tests(SERVICE, "m0003"))
    await create_database(url, drop_existing=True)
    await migrate(url, "0002")
    await rows(
        url,
        "INSERT INTO invoice_counters (year, last_number) VALUES (2026, 7)",
        f"INSERT INTO invoices (id, number, customer_id, currency, total, issue_date, due_date)"
        f" VALUES ('{INVOICE_ID}', 'INV-2026-000007', '{CUSTOMER_ID}', 'EUR', 1200.50,"
        " '2026-03-02', '2026-04-01')",
        "INSERT INTO invoice_lines (id, invoice_id, position, description, quantity,"
        f" unit_price, amount) VALUES ('{uuid.uuid4()}', '{INVOICE_ID}', 1, 'Work', 2, 600.25,"
        " 1200.50)",
    )

    await migrate(url, "head")

    assert await rows(
        url,
        "SELECT net_total, tax_total, open_amount, state, rf_reference, original_due_date,"
        " payment_term_days FROM invoices",
    ) == [(1200.5, 0, 1200.5, "issued", make_rf("INV-2026-000007"), date(2026, 4, 1), 30)]
    assert await rows(url, "SELECT kind, amount, source_id FROM invoice_movements") == [
        ("issue", 1200.5, INVOICE_ID)
    ]
    assert await rows(url, "SELECT net, tax, gross FROM invoice_lines") == [(1200.5, 0, 1200.5)]
    assert await rows(url, "SELECT series, year, last_number FROM number_counters") == [
        ("INV", 2026, 7)
    ]

    await migrate(url, "0002", down=True)

    assert await rows(url, "SELECT year, last_number FROM invoice_counters") == [(2026, 7)]
    assert await rows(url, "SELECT amount FROM invoice_lines") == [(1200.5,)]
