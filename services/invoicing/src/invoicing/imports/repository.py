"""All SQL of the history import: look-ups for validation, then the load as a few INSERT ...
SELECT FROM unnest(arrays) statements (one per table), not one ORM object per row."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.invoices.models import InvoiceState
from invoicing.ledger.models import MovementKind
from receivables_shared.clock import Clock
from receivables_shared.events import InvoiceIssued
from receivables_shared.money import minor_units
from receivables_shared.outbox import record_events_in_bulk

#: The series of imported invoices; their number is the original one.
IMPORT_SERIES = "IMPORT"


@dataclass(frozen=True)
class LoadRow:
    number: str
    customer_id: uuid.UUID
    currency: str
    issue_date: date
    due_date: date
    total: Decimal
    net_total: Decimal
    tax_total: Decimal
    paid_amount: Decimal
    order_reference: str | None
    rf_reference: str


_INSERT_INVOICES = f"""
INSERT INTO invoices (id, number, series, customer_id, currency, net_total, tax_total, total,
    open_amount, paid_amount, state, issue_date, due_date, original_due_date, issued_at,
    issuing_system, order_reference, rf_reference, payment_term_days, terms_source,
    terms_version, business_day_rule, early_payment_discount_percent,
    late_interest_percent_per_month, interest_grace_days, interest_accrued_through, imported)
SELECT r.id, r.number, '{IMPORT_SERIES}', r.customer_id, r.currency, r.net_total, r.tax_total,
    r.total, r.total - r.paid_amount, r.paid_amount,
    CASE WHEN r.paid_amount > 0 THEN '{InvoiceState.PARTIALLY_PAID.value}'
        ELSE '{InvoiceState.ISSUED.value}' END,
    r.issue_date, r.due_date, r.due_date, :now, :imported_by, r.order_reference,
    r.rf_reference, r.due_date - r.issue_date,
    CASE WHEN t.customer_id IS NULL THEN 'defaults' ELSE 'customer_terms' END,
    t.terms_version, 'none', 0,
    COALESCE(t.late_interest_percent_per_month, 0), COALESCE(t.interest_grace_days, 0),
    -- Interest before the import was the previous ledger's business: accrue from the import
    -- day on, never years of back interest in one lump on the first run.
    CAST(:today AS date), true
FROM unnest(
    CAST(:ids AS uuid[]), CAST(:numbers AS text[]), CAST(:customer_ids AS uuid[]),
    CAST(:currencies AS text[]), CAST(:net_totals AS numeric[]), CAST(:tax_totals AS numeric[]),
    CAST(:totals AS numeric[]), CAST(:paid_amounts AS numeric[]),
    CAST(:issue_dates AS date[]), CAST(:due_dates AS date[]),
    CAST(:order_references AS text[]), CAST(:rf_references AS text[])
) AS r(id, number, customer_id, currency, net_total, tax_total, total, paid_amount,
       issue_date, due_date, order_reference, rf_reference)
LEFT JOIN customer_terms t ON t.customer_id = r.customer_id
"""

# The issue movement on the issue date, then what was paid before, on the import's date.
_INSERT_MOVEMENTS = f"""
INSERT INTO invoice_movements (id, invoice_id, customer_id, currency, kind, amount,
    open_amount_after, business_date, source_id)
SELECT gen_random_uuid(), id, customer_id, currency, kind, amount, open_after, business_date, id
FROM (
    SELECT id, customer_id, currency, '{MovementKind.ISSUE.value}' AS kind, total AS amount,
        total AS open_after, issue_date AS business_date, 1 AS step
    FROM invoices WHERE id = ANY(CAST(:ids AS uuid[]))
    UNION ALL
    SELECT id, customer_id, currency, '{MovementKind.PAID_BEFORE_IMPORT.value}', -paid_amount,
        open_amount, CAST(:today AS date), 2
    FROM invoices WHERE id = ANY(CAST(:ids AS uuid[])) AND paid_amount > 0
) AS movements
ORDER BY id, step
"""

# InvoiceIssued as invoice_issued() builds it, amounts with the currency's decimals.
_ISSUED_EVENTS = """
SELECT i.customer_id, jsonb_build_object(
    'customer_id', i.customer_id, 'invoice_id', i.id, 'number', i.number,
    'currency', i.currency, 'total', CAST(round(i.total, d.digits) AS text),
    'issue_date', i.issue_date, 'due_date', i.due_date, 'order_reference', i.order_reference,
    'rf_reference', i.rf_reference, 'net_total', CAST(round(i.net_total, d.digits) AS text),
    'tax_total', CAST(round(i.tax_total, d.digits) AS text), 'imported', true,
    'paid_before_import', CAST(round(i.paid_amount, d.digits) AS text)
) AS payload
FROM invoices i
JOIN unnest(CAST(:currencies AS text[]), CAST(:digits AS int[])) AS d(currency, digits)
    ON d.currency = i.currency
WHERE i.id = ANY(CAST(:ids AS uuid[]))
"""


#: A large file is read, checked and loaded in one transaction: longer than the API's default
#: statement and idle-in-transaction timeouts (a few seconds) allow.
LOAD_TIMEOUT = "300s"


class ImportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def allow_long_transaction(self) -> None:
        """Raise this transaction's timeouts (SET LOCAL: they end with it)."""
        await self.session.execute(
            text(
                "SELECT set_config('statement_timeout', :limit, true),"
                " set_config('idle_in_transaction_session_timeout', :limit, true)"
            ),
            {"limit": LOAD_TIMEOUT},
        )

    # One array parameter each: IN (...) would bind one parameter per row (at most 32,767).
    async def existing_numbers(self, numbers: Sequence[str]) -> set[str]:
        found = await self.session.scalars(
            text("SELECT number FROM invoices WHERE number = ANY(CAST(:numbers AS text[]))"),
            {"numbers": list(numbers)},
        )
        return set(found.all())

    async def existing_rf_references(self, references: Sequence[str]) -> set[str]:
        found = await self.session.scalars(
            text(
                "SELECT rf_reference FROM invoices"
                " WHERE rf_reference = ANY(CAST(:references AS text[]))"
            ),
            {"references": list(references)},
        )
        return set(found.all())

    async def customer_currencies(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
        rows = await self.session.execute(
            text("SELECT id, currency FROM known_customers WHERE id = ANY(CAST(:ids AS uuid[]))"),
            {"ids": list(ids)},
        )
        return {customer_id: currency for customer_id, currency in rows}

    async def customers_by_external_id(
        self, external_ids: Sequence[str]
    ) -> dict[str, list[tuple[uuid.UUID, str]]]:
        """(id, currency) of the known customers with each external id; more than one for an
        id: ambiguous (credit-policy keeps it unique, so only while an update is in flight)."""
        rows = await self.session.execute(
            text(
                "SELECT external_id, id, currency FROM known_customers"
                " WHERE external_id = ANY(CAST(:external_ids AS text[])) ORDER BY id"
            ),
            {"external_ids": list(external_ids)},
        )
        found: dict[str, list[tuple[uuid.UUID, str]]] = {}
        for external_id, customer_id, currency in rows:
            found.setdefault(external_id, []).append((customer_id, currency))
        return found

    async def load(self, rows: Sequence[LoadRow], *, imported_by: str, clock: Clock) -> None:
        ids = [uuid.uuid4() for _ in rows]
        await self.session.execute(
            text(_INSERT_INVOICES),
            {
                "ids": ids,
                "numbers": [r.number for r in rows],
                "customer_ids": [r.customer_id for r in rows],
                "currencies": [r.currency for r in rows],
                "net_totals": [r.net_total for r in rows],
                "tax_totals": [r.tax_total for r in rows],
                "totals": [r.total for r in rows],
                "paid_amounts": [r.paid_amount for r in rows],
                "issue_dates": [r.issue_date for r in rows],
                "due_dates": [r.due_date for r in rows],
                "order_references": [r.order_reference for r in rows],
                "rf_references": [r.rf_reference for r in rows],
                "now": clock.now(),
                "today": clock.today(),
                "imported_by": imported_by,
            },
        )
        await self.session.execute(text(_INSERT_MOVEMENTS), {"ids": ids, "today": clock.today()})
        currencies = sorted({r.currency for r in rows})
        await record_events_in_bulk(
            self.session,
            InvoiceIssued,
            _ISSUED_EVENTS,
            {
                "ids": ids,
                "currencies": currencies,
                "digits": [minor_units(currency) for currency in currencies],
            },
            clock=clock,
        )
