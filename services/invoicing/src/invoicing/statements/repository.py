"""All SQL of the statement: two set-based reads of the movement ledger."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.invoices.models import Invoice
from invoicing.ledger.models import InvoiceMovement


@dataclass(frozen=True)
class MovementRow:
    currency: str
    business_date: date
    invoice_id: uuid.UUID
    invoice_number: str
    kind: str
    amount: Decimal
    #: Sum of this currency's movements in the period up to and including this one.
    running_total: Decimal


class StatementRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def balances_before(self, customer_id: uuid.UUID, day: date) -> dict[str, Decimal]:
        """The customer's balance per currency at the start of `day`: every movement before it."""
        rows = await self.session.execute(
            select(InvoiceMovement.currency, func.sum(InvoiceMovement.amount))
            .where(InvoiceMovement.customer_id == customer_id)
            .where(InvoiceMovement.business_date < day)
            .group_by(InvoiceMovement.currency)
        )
        return {currency: total for currency, total in rows}

    async def movements_between(
        self, customer_id: uuid.UUID, first: date, last: date
    ) -> Sequence[MovementRow]:
        """Movements from `first` to `last` inclusive, in posting order per currency, each with
        the running sum computed by PostgreSQL (a window), not by Python."""
        order = (InvoiceMovement.business_date, InvoiceMovement.sequence)
        running = func.sum(InvoiceMovement.amount).over(
            partition_by=InvoiceMovement.currency, order_by=order
        )
        rows = await self.session.execute(
            select(
                InvoiceMovement.currency,
                InvoiceMovement.business_date,
                InvoiceMovement.invoice_id,
                Invoice.number,
                InvoiceMovement.kind,
                InvoiceMovement.amount,
                running,
            )
            .join(Invoice, Invoice.id == InvoiceMovement.invoice_id)
            .where(InvoiceMovement.customer_id == customer_id)
            .where(InvoiceMovement.business_date.between(first, last))
            .order_by(InvoiceMovement.currency, *order)
        )
        return [MovementRow(*row) for row in rows]
