from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from receivables_shared.http.inputs import BusinessDate, RequestModel
from receivables_shared.money import Amount, CurrencyCode, Quantity


class InvoiceLineCreate(RequestModel):
    description: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)
    ]
    quantity: Quantity = Decimal(1)
    unit_price: Annotated[Amount, Field(ge=0)]


class InvoiceCreate(RequestModel):
    customer_id: uuid.UUID
    currency: CurrencyCode
    issue_date: BusinessDate | None = Field(
        default=None, description="Defaults to today's business date."
    )
    due_date: BusinessDate | None = Field(
        default=None, description="Defaults to issue date + payment term."
    )
    payment_term_days: Annotated[int, Field(ge=0, le=365)] = 30
    lines: Annotated[list[InvoiceLineCreate], Field(min_length=1, max_length=500)]


class InvoiceLineRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


class InvoiceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    number: str
    customer_id: uuid.UUID
    currency: str
    total: Decimal
    issue_date: date
    due_date: date
    lines: list[InvoiceLineRead]
