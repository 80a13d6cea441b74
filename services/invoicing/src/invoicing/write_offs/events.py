from invoicing.invoices.models import Invoice
from invoicing.invoices.pricing import round_to_currency
from invoicing.write_offs.models import WriteOff
from receivables_shared.events import InvoiceWrittenOff


def invoice_written_off(
    invoice: Invoice, write_off: WriteOff, movement_sequence: int
) -> InvoiceWrittenOff:
    return InvoiceWrittenOff(
        customer_id=invoice.customer_id,
        write_off_id=write_off.id,
        invoice_id=invoice.id,
        currency=invoice.currency,
        amount=round_to_currency(write_off.amount, invoice.currency),
        written_off_on=write_off.business_date,
        reason=write_off.reason,
        approver=write_off.approver,
        open_amount=round_to_currency(invoice.open_amount, invoice.currency),
        movement_sequence=movement_sequence,
    )
