"""Invoices as the API shows them: money in the currency's minor units ("1200.50", "1200",
"1.250"), whatever the Numeric(19, 3) column holds."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from invoicing.invoices.models import Invoice
from invoicing.invoices.pricing import totals_per_rate
from invoicing.invoices.schemas import (
    InvoiceLineRead,
    InvoiceRead,
    InvoiceSummary,
    MovementRead,
    RateTotalRead,
)
from invoicing.ledger.models import InvoiceMovement
from receivables_shared.money import quantum

SUMMARY_FIELDS = tuple(InvoiceSummary.model_fields)
MONEY_FIELDS = ("net_total", "tax_total", "total", "open_amount", "discount_amount")
PERCENT_FIELDS = ("early_payment_discount_percent", "late_interest_percent_per_month")


def money(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(quantum(currency))


def _rate(rate: Decimal) -> Decimal:
    # 21.00 -> 21, 5.50 -> 5.5, 1.5000 -> 1.5: a percentage as a person writes it.
    normalized = rate.normalize()
    return normalized.quantize(Decimal(1)) if normalized == normalized.to_integral() else normalized


def invoice_summary(invoice: Invoice) -> InvoiceSummary:
    values = {name: getattr(invoice, name) for name in SUMMARY_FIELDS}
    for name in MONEY_FIELDS:
        if values[name] is not None:
            values[name] = money(values[name], invoice.currency)
    for name in PERCENT_FIELDS:
        values[name] = _rate(values[name])
    return InvoiceSummary.model_validate(values)


def invoice_summaries(invoices: Iterable[Invoice]) -> list[InvoiceSummary]:
    return [invoice_summary(invoice) for invoice in invoices]


def invoice_read(invoice: Invoice, movements: Sequence[InvoiceMovement]) -> InvoiceRead:
    currency = invoice.currency
    return InvoiceRead(
        **invoice_summary(invoice).model_dump(),
        lines=[
            InvoiceLineRead(
                description=line.description,
                quantity=line.quantity,
                unit_price=money(line.unit_price, currency),
                tax_rate=_rate(line.tax_rate),
                net=money(line.net, currency),
                tax=money(line.tax, currency),
                gross=money(line.gross, currency),
            )
            for line in invoice.lines
        ],
        totals_per_rate=[
            RateTotalRead(
                tax_rate=_rate(total.tax_rate),
                net=money(total.net, currency),
                tax=money(total.tax, currency),
                gross=money(total.gross, currency),
            )
            for total in totals_per_rate(invoice.lines)
        ],
        movements=[
            MovementRead(
                id=movement.id,
                kind=movement.kind,
                amount=money(movement.amount, currency),
                open_amount_after=money(movement.open_amount_after, currency),
                business_date=movement.business_date,
                source_id=movement.source_id,
            )
            for movement in movements
        ],
    )
