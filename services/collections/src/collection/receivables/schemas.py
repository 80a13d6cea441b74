from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from receivables_shared.pagination import Page


class ReceivableRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    invoice_id: uuid.UUID
    customer_id: uuid.UUID
    number: str
    currency: str
    amount_due: Decimal
    due_date: date


class ReceivablePage(Page[ReceivableRead]):
    """A customer's receivables, soonest due first (then by invoice number)."""
