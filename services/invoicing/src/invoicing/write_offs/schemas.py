from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from invoicing.invoices.schemas import Text500
from receivables_shared.http.inputs import BusinessDate, RequestModel
from receivables_shared.money import Amount


class WriteOffCreate(RequestModel):
    amount: Annotated[Amount, Field(gt=0)] | None = Field(
        default=None,
        description="Defaults to all that is open; less is a partial write-off (requirement 31).",
    )
    reason: Text500
    approver: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    business_date: BusinessDate | None = Field(default=None, description="Defaults to today.")


class WriteOffRead(BaseModel):
    id: uuid.UUID
    invoice_id: uuid.UUID
    customer_id: uuid.UUID
    currency: str
    amount: Decimal
    reason: str
    approver: str
    recorded_by: str
    business_date: date
    open_amount: Decimal
    invoice_state: str
