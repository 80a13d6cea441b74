from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, Index, Integer, Numeric, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from credit_policy.base import Base

MONEY = Numeric(19, 3)


class RankedInvoice(Base):
    """Issue date and total of an invoice (InvoiceIssued): what revenue and days to pay are
    computed from. Its open amount and due date are the exposure projection's."""

    __tablename__ = "ranked_invoices"

    invoice_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    currency: Mapped[str] = mapped_column(String(3))
    issue_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    total: Mapped[Decimal] = mapped_column(MONEY)

    __table_args__ = (
        Index("ix_ranked_invoices_currency_issue_date", "currency", "issue_date"),
        Index("ix_ranked_invoices_customer_id", "customer_id"),
    )


class RankedPayment(Base):
    """One application of a payment to an invoice: the amount-weighted days to pay."""

    __tablename__ = "ranked_payments"

    payment_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    invoice_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    applied_on: Mapped[date] = mapped_column(Date)

    __table_args__ = (Index("ix_ranked_payments_invoice_id", "invoice_id"),)


class RankedReduction(Base):
    """What a credit note or a cancellation took off an invoice: revenue is net of it.

    Keyed by where it came from (the credit note's id, or the invoice's for its one
    cancellation) and kind, so a replay stores nothing twice, and kept even when it arrives
    before its invoice."""

    __tablename__ = "ranked_reductions"

    source_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    #: "credit_note" or "cancellation".
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    invoice_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    reduced_on: Mapped[date] = mapped_column(Date)


class AbcThreshold(Base):
    """ABC segments as data: a customer is in the first segment whose cumulative share (of
    the customers ranked before it) is below `cumulative_percent`; C is the rest."""

    __tablename__ = "abc_thresholds"

    segment: Mapped[str] = mapped_column(String(1), primary_key=True)
    cumulative_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))

    __table_args__ = (
        CheckConstraint("cumulative_percent > 0 AND cumulative_percent <= 100", name="share"),
    )


class SpecialControlRule(Base):
    """A rule that puts customers under special control (requirements 6, 7), as data.

    kind `regular_non_payer`: at least `min_invoices` invoices overdue beyond grace within the
    last `months`; kind `top_potential_debt`: among the top `top_n` (and/or top `top_percent`)
    of the potential-debt ranking in their currency."""

    __tablename__ = "special_control_rules"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    min_invoices: Mapped[int | None] = mapped_column(Integer)
    months: Mapped[int | None] = mapped_column(Integer)
    top_n: Mapped[int | None] = mapped_column(Integer)
    top_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    description: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("kind IN ('regular_non_payer', 'top_potential_debt')", name="kind"),
    )


class SpecialControlMark(Base):
    """Customers the rules put under special control, so the job lifts only its own flags
    (a flag a person set stays)."""

    __tablename__ = "special_control_marks"

    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    rules: Mapped[str] = mapped_column(Text)
    marked_on: Mapped[date] = mapped_column(Date)
