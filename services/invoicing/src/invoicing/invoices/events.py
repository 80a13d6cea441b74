from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from invoicing.invoices.models import DueDateExtension, Invoice
from invoicing.invoices.pricing import round_to_currency
from receivables_shared.events import InvoiceCancelled, InvoiceDueDateExtended, InvoiceIssued


def _money(invoice: Invoice, amount: Decimal) -> Decimal:
    return round_to_currency(amount, invoice.currency)


def invoice_issued(invoice: Invoice, line_count: int, zone: ZoneInfo) -> InvoiceIssued:
    """`zone`: the seller's (business) time zone, whose date completed_on is."""
    return InvoiceIssued(
        customer_id=invoice.customer_id,
        invoice_id=invoice.id,
        number=invoice.number,
        currency=invoice.currency,
        total=_money(invoice, invoice.total),
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        order_reference=invoice.order_reference,
        rf_reference=invoice.rf_reference,
        net_total=_money(invoice, invoice.net_total),
        tax_total=_money(invoice, invoice.tax_total),
        line_count=line_count,
        completed_on=invoice.completed_at.astimezone(zone).date() if invoice.completed_at else None,
        discount_until=invoice.discount_until,
        discount_amount=(
            _money(invoice, invoice.discount_amount)
            if invoice.discount_amount is not None
            else None
        ),
        imported=invoice.imported,
    )


def due_date_extended(invoice: Invoice, extension: DueDateExtension) -> InvoiceDueDateExtended:
    return InvoiceDueDateExtended(
        customer_id=invoice.customer_id,
        invoice_id=invoice.id,
        previous_due_date=extension.previous_due_date,
        due_date=extension.due_date,
        reason=extension.reason,
        extended_on=extension.business_date,
    )


def invoice_cancelled(
    invoice: Invoice, amount: Decimal, cancelled_on: date, movement_sequence: int | None
) -> InvoiceCancelled:
    """`movement_sequence` None: nothing was open, so no movement was posted."""
    return InvoiceCancelled(
        customer_id=invoice.customer_id,
        invoice_id=invoice.id,
        currency=invoice.currency,
        amount=_money(invoice, amount),
        cancelled_on=cancelled_on,
        reason=invoice.cancel_reason or "",
        movement_sequence=movement_sequence,
    )
