from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from pydantic import BaseModel


class CurrencyExposureRead(BaseModel):
    currency: str
    #: Open receivables as invoicing's events describe them (invoiced + fees - credited -
    #: written off - paid), the same figure invoicing shows once the events are consumed.
    open_receivables: Decimal
    #: Active reservations of credit checks, not yet invoiced, released or expired.
    reserved: Decimal
    #: open_receivables + reserved: what the credit check compares with the limit.
    exposure: Decimal
    oldest_open_due_date: date | None


class ExposureRead(BaseModel):
    customer_id: uuid.UUID
    currencies: list[CurrencyExposureRead]
