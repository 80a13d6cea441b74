"""Payments, what they were applied to, customers' credit balances, known payer accounts and
proof-of-payment advices (docs/payments.md)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from invoicing.base import Base
from invoicing.invoices.models import MONEY


class PaymentSource(StrEnum):
    WEBHOOK = "webhook"
    BANK_STATEMENT = "bank_statement"
    MANUAL = "manual"


class PaymentState(StrEnum):
    #: No customer matched: waits in the unmatched queue for a person.
    UNMATCHED = "unmatched"
    #: Wholly applied to invoices.
    APPLIED = "applied"
    #: Part applied to invoices, the rest on the customer's credit balance.
    PARTIALLY_APPLIED = "partially_applied"
    #: Nothing applied yet: all of it is on the customer's credit balance.
    CREDIT = "credit"
    #: In a currency the customer's invoices are not in: never converted, a person decides.
    PARKED_CURRENCY = "parked_currency"
    #: The bank reversed or returned it; what it had applied is open again.
    REVERSED = "reversed"


#: States in which a person may assign the payment (to a customer, or to invoices).
ASSIGNABLE_STATES = frozenset({PaymentState.UNMATCHED, PaymentState.PARKED_CURRENCY})


class FundedBy(StrEnum):
    PAYMENT = "payment"
    CREDIT_BALANCE = "credit_balance"


class Payment(Base):
    __tablename__ = "payments"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    #: None while no customer is known (unmatched queue).
    customer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    source: Mapped[str] = mapped_column(String(20))
    #: What makes a payment the same payment when it arrives again: webhook "source:external
    #: id", bank "account:entry reference", manual the Idempotency-Key (or a generated id).
    source_key: Mapped[str] = mapped_column(String(300), unique=True)
    method: Mapped[str] = mapped_column(String(40))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    received_on: Mapped[date] = mapped_column(Date)
    reference: Mapped[str | None] = mapped_column(String(140))
    remittance_text: Mapped[str | None] = mapped_column(String(1000))
    payer_name: Mapped[str | None] = mapped_column(String(200))
    payer_iban: Mapped[str | None] = mapped_column(String(34))
    #: The payer's end-to-end id (bank transfers): a reversal entry names the payment by it.
    end_to_end_id: Mapped[str | None] = mapped_column(String(140))
    state: Mapped[str] = mapped_column(String(20))
    #: Not applied to any invoice: on the credit balance, or waiting (unmatched, parked).
    unapplied_amount: Mapped[Decimal] = mapped_column(MONEY)
    reversed_on: Mapped[date | None] = mapped_column(Date)
    reversal_reason: Mapped[str | None] = mapped_column(String(500))
    #: The bank entry that reversed it ("account:entry reference"): that entry acts once.
    reversal_key: Mapped[str | None] = mapped_column(String(300), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(
            "unapplied_amount >= 0 AND unapplied_amount <= amount", name="unapplied_within_amount"
        ),
        Index("ix_payments_customer_id_created_at", "customer_id", "created_at"),
        # The unmatched queue and the list filtered by state page by (created_at, id).
        Index("ix_payments_state_created_at", "state", "created_at"),
    )


class PaymentAllocation(Base):
    """Part of a payment applied to one invoice (directly, or later from the credit balance)."""

    __tablename__ = "payment_allocations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    #: Allocation order (created_at is the same for every row of one transaction).
    sequence: Mapped[int] = mapped_column(BigInteger, Identity(), unique=True)
    payment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payments.id"))
    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoices.id"))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    #: The early-payment discount this payment earned on the invoice (its own movement).
    discount_amount: Mapped[Decimal] = mapped_column(MONEY, server_default=text("0"))
    applied_on: Mapped[date] = mapped_column(Date)
    funded_by: Mapped[str] = mapped_column(String(20))
    reversed: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        UniqueConstraint("payment_id", "invoice_id"),
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_payment_allocations_invoice_id", "invoice_id"),
    )


class CreditBalance(Base):
    """A customer's unapplied money in one currency: the sum of its payments' unapplied
    amounts in state credit/partially_applied."""

    __tablename__ = "credit_balances"

    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    balance: Mapped[Decimal] = mapped_column(MONEY)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    __table_args__ = (CheckConstraint("balance >= 0", name="balance_not_negative"),)


class CreditBalanceMovement(Base):
    __tablename__ = "credit_balance_movements"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    sequence: Mapped[int] = mapped_column(BigInteger, Identity(), unique=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    currency: Mapped[str] = mapped_column(String(3))
    #: + an overpayment added, - consumed by an invoice or taken back by a reversal.
    change: Mapped[Decimal] = mapped_column(MONEY)
    balance_after: Mapped[Decimal] = mapped_column(MONEY)
    business_date: Mapped[date] = mapped_column(Date)
    payment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payments.id"))
    invoice_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("invoices.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint("change <> 0", name="change_not_zero"),
        Index("ix_credit_balance_movements_customer_id_currency", "customer_id", "currency"),
    )


class PayerKind(StrEnum):
    IBAN = "iban"
    NAME = "name"


class PayerAccount(Base):
    """An IBAN or a payer name known to pay for one customer, learnt from payments."""

    __tablename__ = "payer_accounts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(10))
    #: A compact upper-case IBAN, or a normalised name (payers.normalize_name).
    value: Mapped[str] = mapped_column(String(200))
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    #: Seen paying for more than one customer: no longer used to match.
    ambiguous: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    #: "assignment" (a person said so) or "match" (a payment matched by its reference).
    learned_from: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (UniqueConstraint("kind", "value"),)


class PaymentAdvice(Base):
    """A remittance advice or bank receipt a debtor sent before (or after) the money."""

    __tablename__ = "payment_advices"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    #: The payment date the advice states.
    paid_on: Mapped[date] = mapped_column(Date)
    reference: Mapped[str | None] = mapped_column(String(140))
    invoice_numbers: Mapped[list[str]] = mapped_column(
        ARRAY(String(40)), server_default=text("'{}'")
    )
    filename: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(100))
    #: The file itself (capped, advices.MAX_ADVICE_FILE_BYTES); loaded only when asked for.
    content: Mapped[bytes | None] = mapped_column(
        LargeBinary, deferred=True, deferred_raiseload=True
    )
    file_size: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    #: The payment it was matched to; None while no payment matched.
    payment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("payments.id"), unique=True)
    matched_on: Mapped[date | None] = mapped_column(Date)
    created_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_payment_advices_customer_id_unmatched", "customer_id", "paid_on"),
    )
