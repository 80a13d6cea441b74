"""All SQL of the statement: two set-based reads of the customer's movements, which are the
invoice ledger and the credit balance movements as one UNION ALL."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Subquery, case, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.invoices.models import Invoice
from invoicing.ledger.models import InvoiceMovement
from invoicing.payments.models import CreditBalanceMovement

#: Statement kinds of the credit balance's movements (the ledger's kinds are MovementKind's).
CREDIT_ADDED = "credit_added"  # money the customer paid that no invoice took (yet)
CREDIT_APPLIED = "credit_applied"  # that money paying a later invoice
CREDIT_REVERSED = "credit_reversed"  # the bank took the payment back


@dataclass(frozen=True)
class MovementRow:
    currency: str
    business_date: date
    #: None for credit put on or taken off the balance without an invoice.
    invoice_id: uuid.UUID | None
    invoice_number: str | None
    kind: str
    amount: Decimal
    #: Sum of this currency's movements in the period up to and including this one.
    running_total: Decimal


def _customer_movements(customer_id: uuid.UUID) -> Subquery:
    """Every movement of what the customer owes, signed (+ owes more, - less).

    The credit balance counts against the debt: an overpayment lowers the balance by what went
    on credit, and credit paying an invoice raises it back while the invoice's own payment
    movement lowers it, so the two net to zero and the closing balance is the open amounts
    less the credit. Within a day, postings keep their order: transaction time (the same for
    everything one transaction posted), ledger before credit, then each table's sequence."""
    ledger = select(
        InvoiceMovement.currency,
        InvoiceMovement.business_date,
        InvoiceMovement.invoice_id,
        InvoiceMovement.kind,
        InvoiceMovement.amount,
        InvoiceMovement.created_at.label("posted_at"),
        literal(0).label("book"),
        InvoiceMovement.sequence,
    ).where(InvoiceMovement.customer_id == customer_id)
    credit_kind = case(
        (CreditBalanceMovement.change > 0, CREDIT_ADDED),
        (CreditBalanceMovement.invoice_id.is_not(None), CREDIT_APPLIED),
        else_=CREDIT_REVERSED,
    )
    credit = select(
        CreditBalanceMovement.currency,
        CreditBalanceMovement.business_date,
        CreditBalanceMovement.invoice_id,
        credit_kind.label("kind"),
        (-CreditBalanceMovement.change).label("amount"),
        CreditBalanceMovement.created_at.label("posted_at"),
        literal(1).label("book"),
        CreditBalanceMovement.sequence,
    ).where(CreditBalanceMovement.customer_id == customer_id)
    return union_all(ledger, credit).subquery("movements")


class StatementRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def balances_before(self, customer_id: uuid.UUID, day: date) -> dict[str, Decimal]:
        """The customer's balance per currency at the start of `day`: every movement before it."""
        movements = _customer_movements(customer_id)
        rows = await self.session.execute(
            select(movements.c.currency, func.sum(movements.c.amount))
            .where(movements.c.business_date < day)
            .group_by(movements.c.currency)
        )
        return {currency: total for currency, total in rows}

    async def movements_between(
        self, customer_id: uuid.UUID, first: date, last: date
    ) -> Sequence[MovementRow]:
        """Movements from `first` to `last` inclusive, in posting order per currency, each with
        the running sum computed by PostgreSQL (a window), not by Python."""
        movements = _customer_movements(customer_id)
        order = (
            movements.c.business_date,
            movements.c.posted_at,
            movements.c.book,
            movements.c.sequence,
        )
        running = func.sum(movements.c.amount).over(
            partition_by=movements.c.currency, order_by=order
        )
        rows = await self.session.execute(
            select(
                movements.c.currency,
                movements.c.business_date,
                movements.c.invoice_id,
                Invoice.number,
                movements.c.kind,
                movements.c.amount,
                running,
            )
            .outerjoin(Invoice, Invoice.id == movements.c.invoice_id)
            .where(movements.c.business_date.between(first, last))
            .order_by(movements.c.currency, *order)
        )
        return [MovementRow(*row) for row in rows]
