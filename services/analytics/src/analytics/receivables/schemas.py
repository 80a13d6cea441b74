from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel

from receivables_shared.open_amounts import BooksBalance


class CurrencyTotal(BaseModel):
    currency: str
    invoices: int
    invoiced: Decimal


class InvoicedSummary(BaseModel):
    totals: list[CurrencyTotal]


class ReceivablesBalance(BaseModel):
    """The books per currency (of one customer, or of all): open = invoiced + fees - credited
    - written_off - paid - discount - cancelled; `balanced` is false when the open amounts kept
    disagree with the movements."""

    balances: list[BooksBalance]
