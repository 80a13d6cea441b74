from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    String,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from invoicing.base import Base
from invoicing.invoices.models import MONEY


class MovementKind(StrEnum):
    ISSUE = "issue"
    CREDIT_NOTE = "credit_note"
    LATE_FEE = "late_fee"
    INTEREST = "interest"
    WRITE_OFF = "write_off"
    PAYMENT = "payment"
    DISCOUNT = "discount"
    PAYMENT_REVERSAL = "payment_reversal"
    CANCELLATION = "cancellation"
    PAID_BEFORE_IMPORT = "paid_before_import"


#: Kinds that raise the open amount (amount > 0); every other kind lowers it (amount < 0).
RAISING_KINDS = frozenset(
    {
        MovementKind.ISSUE,
        MovementKind.LATE_FEE,
        MovementKind.INTEREST,
        MovementKind.PAYMENT_REVERSAL,
    }
)
#: Kinds that count as the customer paying (partially_paid vs issued).
PAYING_KINDS = frozenset(
    {
        MovementKind.PAYMENT,
        MovementKind.DISCOUNT,
        MovementKind.PAYMENT_REVERSAL,
        MovementKind.PAID_BEFORE_IMPORT,
    }
)


class InvoiceMovement(Base):
    """One change of an invoice's open amount: the ledger. Never updated, never deleted."""

    __tablename__ = "invoice_movements"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    #: Posting order (created_at is the same for every movement of one transaction).
    sequence: Mapped[int] = mapped_column(BigInteger, Identity(), unique=True)
    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    currency: Mapped[str] = mapped_column(String(3))
    kind: Mapped[str] = mapped_column(String(20))
    #: Signed: + raises the open amount, - lowers it.
    amount: Mapped[Decimal] = mapped_column(MONEY)
    #: The invoice's open amount after this movement.
    open_amount_after: Mapped[Decimal] = mapped_column(MONEY)
    business_date: Mapped[date] = mapped_column(Date)
    #: The credit note, fee, write-off, payment... the movement comes from.
    source_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        # One movement per source and kind: a payment, fee or credit note is never posted twice.
        UniqueConstraint("invoice_id", "kind", "source_id"),
        CheckConstraint("amount <> 0", name="amount_not_zero"),
        # Statements read a customer's movements by business date.
        Index("ix_invoice_movements_customer_id_business_date", "customer_id", "business_date"),
        # The overdue-and-interest job charges interest on the principal, without late fees.
        Index(
            "ix_invoice_movements_late_fees",
            "invoice_id",
            postgresql_where=text("kind = 'late_fee'"),
        ),
    )
