from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, Field

from invoicing.invoices.schemas import Text500
from receivables_shared.http.inputs import BusinessDate, RequestModel
from receivables_shared.money import Amount, Quantity


class CreditedLine(RequestModel):
    line_index: Annotated[int, Field(ge=0, description="0-based index of the invoice line.")]
    quantity: Quantity


class CreditNoteCreate(RequestModel):
    """Full (neither amount nor lines), partial by a gross amount, or by lines."""

    reason: Text500
    amount: Annotated[Amount, Field(gt=0)] | None = Field(
        default=None, description="Gross amount to credit; at most the open amount."
    )
    lines: Annotated[list[CreditedLine], Field(min_length=1, max_length=500)] | None = None
    business_date: BusinessDate | None = Field(default=None, description="Defaults to today.")


class CreditNoteRead(BaseModel):
    id: uuid.UUID
    number: str
    invoice_id: uuid.UUID
    customer_id: uuid.UUID
    currency: str
    net: Decimal
    tax: Decimal
    amount: Decimal
    reason: str
    business_date: date
    lines: list[dict[str, Any]] | None
    #: The invoice's open amount: after the credit note when it is issued, today's in a list.
    open_amount: Decimal
    invoice_state: str
