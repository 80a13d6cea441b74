from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel


class CurrencyTotal(BaseModel):
    currency: str
    invoices: int
    invoiced: Decimal


class InvoicedSummary(BaseModel):
    totals: list[CurrencyTotal]
