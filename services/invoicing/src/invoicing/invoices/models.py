from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Uuid,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from invoicing.base import Base

#: Money: three decimals hold every currency's minor units (JPY 0, EUR 2, KWD 3).
MONEY = Numeric(19, 3)
PERCENT = Numeric(7, 4)


class InvoiceState(StrEnum):
    ISSUED = "issued"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    OVERDUE = "overdue"
    DISPUTED = "disputed"
    WRITTEN_OFF = "written_off"
    CANCELLED = "cancelled"


class BusinessDayRule(StrEnum):
    #: The due date as computed.
    NONE = "none"
    #: A weekend or public holiday of the customer's country moves it to the next business day.
    NEXT_BUSINESS_DAY = "next_business_day"


class TermsSource(StrEnum):
    """Where the invoice's payment term came from."""

    CUSTOMER_TERMS = "customer_terms"
    DEFAULTS = "defaults"
    #: The request named payment_term_days or due_date explicitly.
    REQUEST = "request"


class Invoice(Base):
    __tablename__ = "invoices"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    series: Mapped[str] = mapped_column(String(10))
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    currency: Mapped[str] = mapped_column(String(3))
    net_total: Mapped[Decimal] = mapped_column(MONEY)
    tax_total: Mapped[Decimal] = mapped_column(MONEY)
    #: Gross: net + tax, what the customer owes at issue.
    total: Mapped[Decimal] = mapped_column(MONEY)
    #: What is still owed; changed only by the ledger (invoicing.ledger.post_movement).
    open_amount: Mapped[Decimal] = mapped_column(MONEY)
    #: Net of payments, discounts and reversals applied (partially_paid vs issued).
    paid_amount: Mapped[Decimal] = mapped_column(MONEY, server_default=text("0"))
    state: Mapped[str] = mapped_column(String(20), server_default=InvoiceState.ISSUED.value)
    issue_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    original_due_date: Mapped[date] = mapped_column(Date)
    #: When the work was completed or the goods delivered (requirement 12).
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: The name of the API key that issued it.
    issuing_system: Mapped[str] = mapped_column(String(200))
    order_reference: Mapped[str | None] = mapped_column(String(100))
    rf_reference: Mapped[str] = mapped_column(String(25), unique=True)
    payment_term_days: Mapped[int] = mapped_column(Integer)
    terms_source: Mapped[str] = mapped_column(String(20))
    #: The customer_terms version used; None when defaults or the request set the terms.
    terms_version: Mapped[int | None] = mapped_column(Integer)
    business_day_rule: Mapped[str] = mapped_column(String(30))
    early_payment_discount_percent: Mapped[Decimal] = mapped_column(
        PERCENT, server_default=text("0")
    )
    discount_until: Mapped[date | None] = mapped_column(Date)
    discount_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    late_interest_percent_per_month: Mapped[Decimal] = mapped_column(
        PERCENT, server_default=text("0")
    )
    interest_grace_days: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    #: Set by the overdue job: the first business date the invoice was overdue.
    overdue_since: Mapped[date | None] = mapped_column(Date)
    #: For the interest job: interest is posted up to and including this date.
    interest_accrued_through: Mapped[date | None] = mapped_column(Date)
    #: Interest accrued so far before rounding; the interest posted is this rounded to the
    #: currency, so daily runs add up to what one run over the same days posts
    #: (docs/overdue-and-interest.md).
    interest_unrounded: Mapped[Decimal] = mapped_column(Numeric(28, 12), server_default=text("0"))
    imported: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    cancelled_on: Mapped[date | None] = mapped_column(Date)
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    lines: Mapped[list[InvoiceLine]] = relationship(
        lazy="raise", order_by="InvoiceLine.position", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint("due_date >= issue_date", name="due_after_issue"),
        CheckConstraint("open_amount >= 0", name="open_not_negative"),
        # No index names (not even in a WHERE) a column the daily overdue-and-interest job
        # changes (open_amount, state, overdue_since, interest_*): its updates then stay HOT
        # and write no index; the table's fillfactor is 50 (migration 0008) to leave them room.
        Index("ix_invoices_customer_id", "customer_id"),
        Index("ix_invoices_order_reference", "order_reference"),
        Index("ix_invoices_due_date", "due_date"),
    )


class InvoiceLine(Base):
    __tablename__ = "invoice_lines"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    invoice_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(500))
    quantity: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    unit_price: Mapped[Decimal] = mapped_column(MONEY)
    #: Percent, e.g. 21 for 21 %.
    tax_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    net: Mapped[Decimal] = mapped_column(MONEY)
    tax: Mapped[Decimal] = mapped_column(MONEY)
    gross: Mapped[Decimal] = mapped_column(MONEY)


class DueDateExtension(Base):
    """A due date moved later (requirement 31): the history of an invoice's due dates."""

    __tablename__ = "due_date_extensions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    invoice_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    previous_due_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(500))
    business_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
