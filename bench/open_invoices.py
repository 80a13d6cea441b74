"""Shared by bench/payment_allocation and bench/payment_ingest: a fresh invoicing database
filled with open invoices by set-based SQL, the payments that settle them, and the count of
payments lost or applied twice at the end of a run.

Invoice n is INV-<2025 + n // 1,000,000>-<n % 1,000,000>, belongs to customer n % (n / 10),
totals 100.00 to 999.00 EUR, falls due between 2026-01-31 and 2026-07-01 (so oldest-due-first
has something to order), and carries the RF reference invoicing would give it (make_rf of
its number), so a payment can name it either way.
"""

from __future__ import annotations

import random
import time
from datetime import date
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from invoicing.invoices.references import make_rf
from invoicing.payments.models import PaymentSource
from invoicing.payments.service import IncomingPayment
from receivables_shared.db.engine import create_engine

CUSTOMERS_PER_10_INVOICES = 10
#: The first due date: a business date before it makes the overdue job find nothing to do.
FIRST_DUE_DATE = date(2026, 1, 31)

INSERT_CUSTOMERS = """
INSERT INTO known_customers (id, name, language, currency, country)
SELECT md5('c' || c)::uuid, 'Customer ' || c, 'lv', 'EUR', 'LV'
FROM generate_series(0, :customers - 1) AS c
"""

# The RF reference's check digits in SQL, as make_rf computes them (ISO 7064 Mod 97-10):
# "INV" + year + sequence + "RF00" with letters as numbers (I=18, N=23, V=31, R=27, F=15).
INSERT_INVOICES = """
INSERT INTO invoices (
    id, number, series, customer_id, currency, net_total, tax_total, total, open_amount,
    paid_amount, state, issue_date, due_date, original_due_date, issued_at, issuing_system,
    rf_reference, payment_term_days, terms_source, business_day_rule
)
SELECT md5('i' || n)::uuid, 'INV-' || year || '-' || sequence,
       'INV', md5('c' || (n % :customers))::uuid, 'EUR',
       100 + n % 900, 0, 100 + n % 900, 100 + n % 900, 0, 'issued',
       date '2026-01-01' + (n % 365) / 2, date '2026-01-01' + (n % 365) / 2 + 30,
       date '2026-01-01' + (n % 365) / 2 + 30, now(), 'bench',
       'RF' || lpad((98 - ('182331' || year || sequence || '271500')::numeric % 97)::text, 2, '0')
           || 'INV' || year || sequence,
       30, 'defaults', 'none'
FROM generate_series(0, :invoices - 1) AS n,
     LATERAL (SELECT (2025 + n / 1000000)::text AS year,
                     lpad((n % 1000000)::text, 6, '0') AS sequence) AS parts
"""


def invoice_number(n: int) -> str:
    return f"INV-{2025 + n // 1_000_000}-{n % 1_000_000:06d}"


async def load_open_invoices(url: str, invoices: int) -> float:
    """Customers and open invoices into a migrated invoicing database: the seconds it took."""
    engine = create_engine(url, pool_size=1)
    started = time.perf_counter()
    try:
        customers = invoices // CUSTOMERS_PER_10_INVOICES
        async with engine.begin() as connection:
            await connection.execute(text(INSERT_CUSTOMERS), {"customers": customers})
            await connection.execute(
                text(INSERT_INVOICES), {"customers": customers, "invoices": invoices}
            )
            # The SQL above must give the references invoicing gives: a payment names them.
            sample = await connection.execute(
                text("SELECT number, rf_reference FROM invoices ORDER BY random() LIMIT 20")
            )
            for number, reference in sample:
                if reference != make_rf(number):
                    raise SystemExit(f"{number}: RF {reference}, invoicing makes {make_rf(number)}")
        async with engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text("VACUUM ANALYZE invoices"))
    finally:
        await engine.dispose()
    return time.perf_counter() - started


def payments_for(count: int, invoices: int, key_prefix: str) -> list[IncomingPayment]:
    """Distinct invoices, each paid once: 8 in 10 exactly, 1 in 10 half, 1 in 10 with 50 more
    (the rest goes to the customer's credit balance). Source keys are key_prefix + k."""
    chosen = random.Random(7).sample(range(invoices), count)
    payments = []
    for k, n in enumerate(chosen):
        total = Decimal(100 + n % 900)
        amount = total / 2 if k % 10 == 3 else total + 50 if k % 10 == 7 else total
        payments.append(
            IncomingPayment(
                source=PaymentSource.WEBHOOK,
                source_key=f"{key_prefix}{k}",
                amount=amount,
                currency="EUR",
                received_on=date(2026, 3, 2),
                remittance_text=f"Payment of invoice {invoice_number(n)}",
                payer_name=f"Customer {n % (invoices // CUSTOMERS_PER_10_INVOICES)}",
            )
        )
    return payments


def named_invoice(payment: IncomingPayment) -> str:
    """The invoice number a payment of payments_for names in its remittance text."""
    return (payment.remittance_text or "").split()[-1]


async def count_faults(engine: AsyncEngine, expected: int, prefix: str) -> tuple[int, int]:
    """(lost, applied twice) among the payments whose source_key is LIKE `prefix`:
    lost = expected minus those stored and applied or credited; applied twice = a payment
    posted more than once on an invoice, an invoice paid below zero or beyond its total, or
    a payment whose allocations plus unapplied rest differ from its amount."""
    async with engine.connect() as connection:
        stored = await connection.scalar(
            text(
                "SELECT count(*) FROM payments WHERE source_key LIKE :prefix"
                " AND state IN ('applied', 'partially_applied', 'credit')"
            ),
            {"prefix": prefix},
        )
        twice = await connection.scalar(
            text(
                """
                SELECT (SELECT count(*) FROM (
                          SELECT invoice_id, source_id FROM invoice_movements
                          WHERE kind = 'payment' GROUP BY 1, 2 HAVING count(*) > 1) d)
                     + (SELECT count(*) FROM invoices WHERE open_amount < 0
                          OR paid_amount > total)
                     + (SELECT count(*) FROM payments p WHERE p.source_key LIKE :prefix
                          AND p.amount <> p.unapplied_amount + coalesce((
                              SELECT sum(a.amount) FROM payment_allocations a
                              WHERE a.payment_id = p.id), 0))
                """
            ),
            {"prefix": prefix},
        )
    return expected - int(stored or 0), int(twice or 0)


async def count_paid_elsewhere(engine: AsyncEngine, payments: list[IncomingPayment]) -> int:
    """How many of the payments (by source_key) have no allocation on the invoice they name:
    matched to another invoice, or to none."""
    async with engine.connect() as connection:
        count = await connection.scalar(
            text(
                "SELECT count(*) FROM unnest(CAST(:keys AS text[]), CAST(:numbers AS text[]))"
                " AS w(source_key, number) WHERE NOT EXISTS ("
                " SELECT FROM payments p JOIN payment_allocations a ON a.payment_id = p.id"
                " JOIN invoices i ON i.id = a.invoice_id"
                " WHERE p.source_key = w.source_key AND i.number = w.number)"
            ),
            {
                "keys": [payment.source_key for payment in payments],
                "numbers": [named_invoice(payment) for payment in payments],
            },
        )
    return int(count or 0)
