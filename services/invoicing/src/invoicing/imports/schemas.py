from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from receivables_shared.http.inputs import BusinessDate, RequestModel
from receivables_shared.money import Amount, CurrencyCode


class ImportRow(RequestModel):
    """One open item of the previous ledger: a CSV row or a JSON line."""

    #: The invoice number in the previous ledger; kept as the invoice's number.
    number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    #: The customer: its id here, or the id the previous ledger (the caller) knows it by, as
    #: registered in credit-policy (`external_id`). One of the two.
    customer_id: uuid.UUID | None = None
    customer_external_id: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
        | None
    ) = None
    currency: CurrencyCode
    issue_date: BusinessDate
    due_date: BusinessDate
    #: Gross total (net + tax).
    total: Amount
    net_total: Amount | None = None
    tax_total: Amount | None = None
    #: Already paid before the import: open amount = total - paid_amount.
    paid_amount: Amount = Decimal(0)
    order_reference: Annotated[str, StringConstraints(max_length=100)] | None = None


#: The CSV header's column names (the JSON lines' keys).
COLUMNS = tuple(ImportRow.model_fields)
REQUIRED_COLUMNS = tuple(name for name, f in ImportRow.model_fields.items() if f.is_required())


class CurrencyTotals(BaseModel):
    currency: str
    invoices: int
    total: Decimal = Field(description="Sum of the imported totals.")
    open_amount: Decimal = Field(description="Sum of what is still open.")


class ImportResult(BaseModel):
    imported: int = Field(description="Invoices created, one per row.")
    by_currency: list[CurrencyTotals]
