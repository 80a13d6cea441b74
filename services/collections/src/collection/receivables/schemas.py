from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from collection.receivables.models import Receivable
from receivables_shared.open_amounts import BooksBalance, in_minor_units
from receivables_shared.pagination import Page


class ReceivableRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    invoice_id: uuid.UUID
    customer_id: uuid.UUID
    number: str
    currency: str
    amount_due: Decimal = Field(description="The invoice's total as issued.")
    open_amount: Decimal = Field(description="What is still owed, as invoicing last announced.")
    state: str = Field(description='"open", "closed" (nothing owed) or "cancelled".')
    due_date: date
    overdue: bool = Field(description="Open, and invoicing announced it overdue (InvoiceOverdue).")
    overdue_on: date | None
    days_overdue: int = Field(
        description="Days past the due date as of the business date; 0 when not overdue."
    )

    @classmethod
    def of(cls, receivable: Receivable, as_of: date) -> ReceivableRead:
        overdue = (
            receivable.state == "open"
            and receivable.overdue_on is not None
            and receivable.overdue_on <= as_of
        )
        return cls(
            invoice_id=receivable.invoice_id,
            customer_id=receivable.customer_id,
            number=receivable.number,
            currency=receivable.currency,
            amount_due=in_minor_units(receivable.amount_due, receivable.currency),
            open_amount=in_minor_units(receivable.open_amount, receivable.currency),
            state=receivable.state,
            due_date=receivable.due_date,
            overdue=overdue,
            overdue_on=receivable.overdue_on,
            days_overdue=max((as_of - receivable.due_date).days, 0) if overdue else 0,
        )


class ReceivablePage(Page[ReceivableRead]):
    """A customer's receivables, soonest due first (then by invoice number)."""


class CustomerBalance(BaseModel):
    """The customer's books per currency: open = invoiced + fees - credited - written_off - paid
    - discount - cancelled; `balanced` is false when the open amounts kept disagree."""

    customer_id: uuid.UUID
    balances: list[BooksBalance]
