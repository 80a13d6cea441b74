from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from receivables_shared.http.inputs import BusinessDate, RequestModel
from receivables_shared.money import Amount, CurrencyCode
from receivables_shared.pagination import Page

Method = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z][a-z0-9_]{0,39}$")]
Reference = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=140)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
InvoiceIds = Annotated[list[uuid.UUID], Field(max_length=100)]


class ManualPaymentCreate(RequestModel):
    customer_id: uuid.UUID
    amount: Amount = Field(description="Above zero, in the currency's minor units at most.")
    currency: CurrencyCode
    received_on: BusinessDate | None = Field(
        default=None, description="Defaults to today's business date."
    )
    method: Method = Field(
        default="bank_transfer", examples=["bank_transfer", "cash", "card", "cheque"]
    )
    reference: Reference | None = None
    payer_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = (
        None
    )
    payer_iban: Annotated[str, StringConstraints(strip_whitespace=True, max_length=42)] | None = (
        None
    )
    invoice_ids: InvoiceIds = Field(
        default_factory=list,
        description="Apply to these invoices first, in this order (the customer's own).",
    )


class AssignRequest(RequestModel):
    customer_id: uuid.UUID
    invoice_ids: InvoiceIds = Field(default_factory=list)


class ReversalRequest(RequestModel):
    reason: Reason
    reversed_on: BusinessDate | None = None


class AllocationRead(BaseModel):
    invoice_id: uuid.UUID
    amount: Decimal
    discount_amount: Decimal
    applied_on: date
    funded_by: str
    reversed: bool


class PaymentSummary(BaseModel):
    id: uuid.UUID
    customer_id: uuid.UUID | None
    source: str
    method: str
    amount: Decimal
    currency: str
    received_on: date
    reference: str | None
    remittance_text: str | None
    payer_name: str | None
    payer_iban: str | None
    state: str
    unapplied_amount: Decimal
    reversed_on: date | None
    created_at: datetime


class PaymentRead(PaymentSummary):
    allocations: list[AllocationRead]
    advice_id: uuid.UUID | None


class PaymentPage(Page[PaymentSummary]):
    pass


class CreditBalanceRead(BaseModel):
    currency: str
    balance: Decimal


class CreditMovementRead(BaseModel):
    currency: str
    change: Decimal
    balance_after: Decimal
    business_date: date
    payment_id: uuid.UUID
    invoice_id: uuid.UUID | None


class CreditBalancesRead(BaseModel):
    customer_id: uuid.UUID
    balances: list[CreditBalanceRead]
    #: The latest movements, newest first.
    recent_movements: list[CreditMovementRead]


class AdviceFields(RequestModel):
    """The form fields of POST /v1/payments/advices (multipart, beside the file)."""

    customer_id: uuid.UUID
    amount: Amount
    currency: CurrencyCode
    date: BusinessDate = Field(description="The payment date the advice states.")
    reference: Reference | None = None
    invoice_numbers: Annotated[
        list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]],
        Field(max_length=100),
    ] = Field(default_factory=list)


class AdviceRead(BaseModel):
    id: uuid.UUID
    customer_id: uuid.UUID
    amount: Decimal
    currency: str
    paid_on: date
    reference: str | None
    invoice_numbers: list[str]
    filename: str | None
    content_type: str | None
    file_size: int
    payment_id: uuid.UUID | None
    matched_on: date | None
    created_on: date


class AdvicePage(Page[AdviceRead]):
    pass
