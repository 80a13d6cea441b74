"""The SQL of applying a batch of payments at once (payments/batch.py): one statement per
table whatever the batch's size, rows passed as arrays (unnest), no ORM objects.

Kept apart from repository.py (the one-payment path's SQL) so that each stays small."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.payments.repository import AUTO_PAYABLE_STATES


@dataclass
class LockedInvoice:
    """An invoice locked by the batch, as plain values; the batch moves its amounts in memory
    and writes the result once."""

    id: uuid.UUID
    customer_id: uuid.UUID
    currency: str
    number: str
    state: str
    open_amount: Decimal
    paid_amount: Decimal
    issue_date: date
    due_date: date
    discount_until: date | None
    discount_amount: Decimal | None
    overdue_since: date | None
    #: An early-payment discount movement is posted already (rule 4: once per invoice).
    discount_taken: bool


@dataclass(frozen=True)
class NewPayment:
    """What the events of a payment the batch stores read of it (as of a Payment row)."""

    id: uuid.UUID
    currency: str
    amount: Decimal
    received_on: date
    reference: str | None
    source: str
    method: str
    payer_name: str | None


@dataclass(frozen=True)
class KnownCustomerRow:
    currency: str
    #: The customer has an advice no payment matched yet: the one-payment path links it.
    has_unmatched_advice: bool


@dataclass(frozen=True)
class PoolRequest:
    """Fetch the customer's oldest-due open invoices in `currency` while their running sum
    of open amounts stays below `bound` (as `PaymentRepository.oldest_due_first`)."""

    customer_id: uuid.UUID
    currency: str
    bound: Decimal
    exclude: tuple[uuid.UUID, ...] = ()


_LOCK_CUSTOMERS = text(
    # Sorted by lock key, so two batches take their customers in one order and cannot wait on
    # each other crosswise; MATERIALIZED keeps the lock calls after the sort.
    "WITH keys AS MATERIALIZED (SELECT DISTINCT hashtextextended(c::text, 0) AS key"
    " FROM unnest(CAST(:customers AS uuid[])) AS c ORDER BY key)"
    " SELECT count(pg_advisory_xact_lock(key)) FROM keys"
)

_AUTO_PAYABLE = ", ".join(f"'{state}'" for state in AUTO_PAYABLE_STATES)

_LOCK_INVOICES = text(
    f"""
    WITH pools AS (
        SELECT i.id,
               sum(i.open_amount) OVER (
                   PARTITION BY i.customer_id, i.currency
                   ORDER BY i.due_date, i.issue_date, i.number) - i.open_amount AS before,
               b.bound
        FROM unnest(CAST(:customers AS uuid[]), CAST(:currencies AS text[]),
                    CAST(:bounds AS numeric[])) AS b(customer_id, currency, bound)
        JOIN invoices i ON i.customer_id = b.customer_id AND i.currency = b.currency
        WHERE i.open_amount > 0 AND i.state IN ({_AUTO_PAYABLE})
          AND i.id <> ALL(CAST(:exclude AS uuid[]))
    ), wanted AS (
        -- One list of ids (an OR of two lists would scan the whole table).
        SELECT id FROM pools WHERE before < bound
        UNION SELECT unnest(CAST(:named AS uuid[]))
    )
    SELECT i.id, i.customer_id, i.currency, i.number, i.state, i.open_amount, i.paid_amount,
           i.issue_date, i.due_date, i.discount_until, i.discount_amount, i.overdue_since,
           d.taken IS NOT NULL AS discount_taken
    FROM wanted w JOIN invoices i ON i.id = w.id
    -- A probe of the (invoice, kind, source) index per invoice, never a hashed scan of all.
    LEFT JOIN LATERAL (
        SELECT true AS taken FROM invoice_movements m
        WHERE i.discount_until IS NOT NULL AND m.invoice_id = i.id AND m.kind = 'discount'
        LIMIT 1) d ON true
    ORDER BY i.id
    FOR UPDATE OF i
    """
)

_INSERT_PAYMENTS = text(
    "INSERT INTO payments (id, customer_id, source, source_key, method, amount, currency,"
    " received_on, reference, remittance_text, payer_name, payer_iban, end_to_end_id, state,"
    " unapplied_amount)"
    " SELECT * FROM unnest(CAST(:id AS uuid[]), CAST(:customer_id AS uuid[]),"
    " CAST(:source AS text[]), CAST(:source_key AS text[]), CAST(:method AS text[]),"
    " CAST(:amount AS numeric[]), CAST(:currency AS text[]), CAST(:received_on AS date[]),"
    " CAST(:reference AS text[]), CAST(:remittance_text AS text[]),"
    " CAST(:payer_name AS text[]), CAST(:payer_iban AS text[]),"
    " CAST(:end_to_end_id AS text[]), CAST(:state AS text[]),"
    " CAST(:unapplied_amount AS numeric[]))"
    # In key order: two batches holding one payment (two deliveries of it) wait in one order.
    " ORDER BY 4"
    " ON CONFLICT (source_key) DO NOTHING RETURNING id"
)
_PAYMENT_COLUMNS = (
    "id",
    "customer_id",
    "source",
    "source_key",
    "method",
    "amount",
    "currency",
    "received_on",
    "reference",
    "remittance_text",
    "payer_name",
    "payer_iban",
    "end_to_end_id",
    "state",
    "unapplied_amount",
)

_UPDATE_INVOICES = text(
    "UPDATE invoices AS i SET open_amount = v.open_amount, paid_amount = v.paid_amount,"
    " state = v.state"
    " FROM unnest(CAST(:id AS uuid[]), CAST(:open_amount AS numeric[]),"
    " CAST(:paid_amount AS numeric[]), CAST(:state AS text[]))"
    " AS v(id, open_amount, paid_amount, state)"
    " WHERE i.id = v.id"
)

_INSERT_MOVEMENTS = text(
    "INSERT INTO invoice_movements (id, invoice_id, customer_id, currency, kind, amount,"
    " open_amount_after, business_date, source_id)"
    " SELECT gen_random_uuid(), m.invoice_id, m.customer_id, m.currency, m.kind, m.amount,"
    " m.open_amount_after, m.business_date, m.source_id"
    " FROM unnest(CAST(:invoice_id AS uuid[]), CAST(:customer_id AS uuid[]),"
    " CAST(:currency AS text[]), CAST(:kind AS text[]), CAST(:amount AS numeric[]),"
    " CAST(:open_amount_after AS numeric[]), CAST(:business_date AS date[]),"
    " CAST(:source_id AS uuid[])) WITH ORDINALITY"
    " AS m(invoice_id, customer_id, currency, kind, amount, open_amount_after, business_date,"
    " source_id, position)"
    " ORDER BY m.position"  # posting order is the sequence's order
    " RETURNING invoice_id, kind, source_id, sequence"
)

_INSERT_ALLOCATIONS = text(
    "INSERT INTO payment_allocations (id, payment_id, invoice_id, amount, discount_amount,"
    " applied_on, funded_by)"
    " SELECT gen_random_uuid(), a.payment_id, a.invoice_id, a.amount, a.discount_amount,"
    " a.applied_on, a.funded_by"
    " FROM unnest(CAST(:payment_id AS uuid[]), CAST(:invoice_id AS uuid[]),"
    " CAST(:amount AS numeric[]), CAST(:discount_amount AS numeric[]),"
    " CAST(:applied_on AS date[]), CAST(:funded_by AS text[])) WITH ORDINALITY"
    " AS a(payment_id, invoice_id, amount, discount_amount, applied_on, funded_by, position)"
    " ORDER BY a.position"
)

_ADD_CREDIT = text(
    "INSERT INTO credit_balances (customer_id, currency, balance)"
    " SELECT * FROM unnest(CAST(:customer_id AS uuid[]), CAST(:currency AS text[]),"
    " CAST(:change AS numeric[])) ORDER BY 1, 2"
    " ON CONFLICT (customer_id, currency) DO UPDATE"
    " SET balance = credit_balances.balance + excluded.balance, updated_at = now()"
    " RETURNING customer_id, currency, balance"
)

_INSERT_CREDIT_MOVEMENTS = text(
    "INSERT INTO credit_balance_movements (id, customer_id, currency, change, balance_after,"
    " business_date, payment_id, invoice_id)"
    " SELECT gen_random_uuid(), c.customer_id, c.currency, c.change, c.balance_after,"
    " c.business_date, c.payment_id, NULL"
    " FROM unnest(CAST(:customer_id AS uuid[]), CAST(:currency AS text[]),"
    " CAST(:change AS numeric[]), CAST(:balance_after AS numeric[]),"
    " CAST(:business_date AS date[]), CAST(:payment_id AS uuid[])) WITH ORDINALITY"
    " AS c(customer_id, currency, change, balance_after, business_date, payment_id, position)"
    " ORDER BY c.position"
)


def _columns(rows: Sequence[dict[str, Any]], names: Iterable[str]) -> dict[str, list[Any]]:
    return {name: [row[name] for row in rows] for name in names}


class BatchRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def known_source_keys(self, source_keys: Sequence[str]) -> set[str]:
        rows = await self.session.scalars(
            text("SELECT source_key FROM payments WHERE source_key = ANY(CAST(:keys AS text[]))"),
            {"keys": list(source_keys)},
        )
        return set(rows)

    async def customers(
        self, customer_ids: Iterable[uuid.UUID]
    ) -> dict[uuid.UUID, KnownCustomerRow]:
        rows = await self.session.execute(
            text(
                "SELECT c.id, c.currency, EXISTS (SELECT FROM payment_advices a"
                " WHERE a.customer_id = c.id AND a.payment_id IS NULL) AS advice"
                " FROM known_customers c WHERE c.id = ANY(CAST(:ids AS uuid[]))"
            ),
            {"ids": list(set(customer_ids))},
        )
        return {row.id: KnownCustomerRow(row.currency, row.advice) for row in rows}

    async def lock_customers(self, customer_ids: Iterable[uuid.UUID]) -> None:
        """`PaymentRepository.lock_customer` for many customers, in one order."""
        await self.session.execute(_LOCK_CUSTOMERS, {"customers": list(set(customer_ids))})

    async def lock_invoices(
        self, named: Iterable[uuid.UUID], pools: Sequence[PoolRequest]
    ) -> list[LockedInvoice]:
        """Lock (in id order) the named invoices and each pool's oldest-due open invoices,
        and read them fresh: one statement."""
        excluded = [invoice_id for pool in pools for invoice_id in pool.exclude]
        rows = await self.session.execute(
            _LOCK_INVOICES,
            {
                "named": list(set(named)),
                "customers": [pool.customer_id for pool in pools],
                "currencies": [pool.currency for pool in pools],
                "bounds": [pool.bound for pool in pools],
                "exclude": excluded,
            },
        )
        return [LockedInvoice(*row) for row in rows]

    async def insert_payments(self, rows: Sequence[dict[str, Any]]) -> int:
        """Insert the new payments unless their source_key is stored: how many went in."""
        if not rows:
            return 0
        inserted = await self.session.scalars(_INSERT_PAYMENTS, _columns(rows, _PAYMENT_COLUMNS))
        return len(inserted.all())

    async def update_invoices(self, invoices: Sequence[LockedInvoice]) -> None:
        if not invoices:
            return
        await self.session.execute(
            _UPDATE_INVOICES,
            {
                "id": [invoice.id for invoice in invoices],
                "open_amount": [invoice.open_amount for invoice in invoices],
                "paid_amount": [invoice.paid_amount for invoice in invoices],
                "state": [invoice.state for invoice in invoices],
            },
        )

    async def insert_movements(
        self, rows: Sequence[dict[str, Any]]
    ) -> dict[tuple[uuid.UUID, str, uuid.UUID], int]:
        """Insert the movements; each one's ledger sequence by (invoice, kind, source), which
        the ledger keeps unique."""
        if not rows:
            return {}
        result = await self.session.execute(
            _INSERT_MOVEMENTS,
            _columns(
                rows,
                (
                    "invoice_id",
                    "customer_id",
                    "currency",
                    "kind",
                    "amount",
                    "open_amount_after",
                    "business_date",
                    "source_id",
                ),
            ),
        )
        return {
            (invoice_id, kind, source_id): sequence
            for invoice_id, kind, source_id, sequence in result.all()
        }

    async def insert_allocations(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(
                _INSERT_ALLOCATIONS,
                _columns(
                    rows,
                    (
                        "payment_id",
                        "invoice_id",
                        "amount",
                        "discount_amount",
                        "applied_on",
                        "funded_by",
                    ),
                ),
            )

    async def add_credit(
        self, totals: dict[tuple[uuid.UUID, str], Decimal]
    ) -> dict[tuple[uuid.UUID, str], Decimal]:
        """Add each (customer, currency)'s total to its balance (created at 0): the new balances."""
        if not totals:
            return {}
        keys = list(totals)
        rows = await self.session.execute(
            _ADD_CREDIT,
            {
                "customer_id": [key[0] for key in keys],
                "currency": [key[1] for key in keys],
                "change": [totals[key] for key in keys],
            },
        )
        return {(row.customer_id, row.currency): Decimal(row.balance) for row in rows}

    async def insert_credit_movements(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(
                _INSERT_CREDIT_MOVEMENTS,
                _columns(
                    rows,
                    (
                        "customer_id",
                        "currency",
                        "change",
                        "balance_after",
                        "business_date",
                        "payment_id",
                    ),
                ),
            )
