from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from receivables_shared.http.inputs import BusinessDate, BusinessTimestamp, RequestModel
from receivables_shared.money import Amount, CurrencyCode, DecimalString, Quantity
from receivables_shared.pagination import Page

Text500 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class InvoiceLineCreate(RequestModel):
    description: Text500
    quantity: Quantity = Decimal(1)
    unit_price: Annotated[Amount, Field(ge=0)]
    tax_rate: Annotated[
        DecimalString,
        Field(ge=0, lt=100, description="Percent; one of INVOICING_TAX_RATES.", examples=["21"]),
    ] = Decimal(0)


class InvoiceCreate(RequestModel):
    customer_id: uuid.UUID
    currency: CurrencyCode = Field(description="Must be the customer's currency.")
    lines: Annotated[list[InvoiceLineCreate], Field(min_length=1, max_length=500)]
    issue_date: BusinessDate | None = Field(
        default=None, description="Defaults to today's business date."
    )
    completed_at: BusinessTimestamp | None = Field(
        default=None, description="When the work was completed or the goods delivered."
    )
    order_reference: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
        | None
    ) = None
    series: Annotated[str, StringConstraints(pattern=r"^[A-Z]{1,10}$")] = Field(
        default="INV", description='Number series; "CN" is the credit notes\'.'
    )
    payment_term_days: Annotated[int, Field(ge=0, le=365)] | None = Field(
        default=None, description="Overrides the customer's terms (recorded as terms_source)."
    )
    due_date: BusinessDate | None = Field(
        default=None, description="Overrides the payment term; taken as given."
    )


class InvoiceLineRead(BaseModel):
    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    net: Decimal
    tax: Decimal
    gross: Decimal


class RateTotalRead(BaseModel):
    tax_rate: Decimal
    net: Decimal
    tax: Decimal
    gross: Decimal


class MovementRead(BaseModel):
    id: uuid.UUID
    kind: str
    amount: Decimal
    open_amount_after: Decimal
    business_date: date
    source_id: uuid.UUID


class InvoiceSummary(BaseModel):
    id: uuid.UUID
    number: str
    series: str
    customer_id: uuid.UUID
    currency: str
    net_total: Decimal
    tax_total: Decimal
    total: Decimal
    open_amount: Decimal
    state: str
    issue_date: date
    due_date: date
    original_due_date: date
    completed_at: datetime | None
    issued_at: datetime
    issuing_system: str
    order_reference: str | None
    rf_reference: str
    payment_term_days: int
    terms_source: str
    terms_version: int | None
    business_day_rule: str
    early_payment_discount_percent: Decimal
    discount_until: date | None
    discount_amount: Decimal | None
    late_interest_percent_per_month: Decimal
    interest_grace_days: int
    overdue_since: date | None
    imported: bool
    cancelled_on: date | None
    cancel_reason: str | None


class InvoiceRead(InvoiceSummary):
    lines: list[InvoiceLineRead]
    totals_per_rate: list[RateTotalRead]
    movements: list[MovementRead]


class InvoicePage(Page[InvoiceSummary]):
    pass


class IssueDelay(BaseModel):
    issuing_system: str
    invoices: int
    average_hours: Decimal
    max_hours: Decimal
    over_12_hours: int


class IssueDelays(BaseModel):
    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    systems: list[IssueDelay]
    #: Invoices in the period without completed_at (not measurable).
    without_completed_at: int


class DueDateExtensionCreate(RequestModel):
    due_date: BusinessDate
    reason: Text500
    business_date: BusinessDate | None = Field(default=None, description="Defaults to today.")


class CancelRequest(RequestModel):
    reason: Text500
    business_date: BusinessDate | None = Field(default=None, description="Defaults to today.")
