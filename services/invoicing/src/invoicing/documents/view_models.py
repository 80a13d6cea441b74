"""What an invoice document shows, as plain values: the renderer never sees an ORM object.

A builder (documents/builder.py) maps the stored invoice, customer and seller settings to these.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Party:
    """Seller or buyer as printed: legal name, address and tax id (requirement 12)."""

    name: str
    tax_id: str | None = None
    address: str | None = None
    country: str | None = None


@dataclass(frozen=True)
class PaymentAccount:
    iban: str
    bic: str
    bank_name: str | None = None


@dataclass(frozen=True)
class DocumentLine:
    description: str
    quantity: Decimal
    unit_price: Decimal
    #: Percent: Decimal("21") for 21 %.
    tax_rate: Decimal
    net: Decimal
    tax: Decimal
    gross: Decimal


@dataclass(frozen=True)
class TaxRateTotal:
    rate: Decimal
    net: Decimal
    tax: Decimal
    gross: Decimal


@dataclass(frozen=True)
class EarlyPaymentDiscount:
    """Requirement 11: pay `amount_to_pay` by `until` and `discount` is taken off."""

    percent: Decimal
    until: date
    discount: Decimal
    amount_to_pay: Decimal


@dataclass(frozen=True)
class InvoiceDocument:
    number: str
    #: The customer's language: en, ru, bg or lv.
    language: str
    currency: str
    issue_date: date
    due_date: date
    seller: Party
    buyer: Party
    lines: Sequence[DocumentLine]
    net_total: Decimal
    tax_total: Decimal
    total: Decimal
    #: ISO 11649 creditor reference, compact (RF18539007547034).
    rf_reference: str
    accounts: Sequence[PaymentAccount]
    completed_on: date | None = None
    order_reference: str | None = None
    discount: EarlyPaymentDiscount | None = None
    #: Requirement 10: the penalty clause; zero prints none.
    late_interest_percent_per_month: Decimal = Decimal(0)
    interest_grace_days: int = 0
    #: Net, tax and gross per tax rate (requirement 12: tax per rate).
    tax_totals: Sequence[TaxRateTotal] = ()
    #: A cancelled invoice is still shown, marked so nobody pays it.
    cancelled_on: date | None = None
