from invoicing.invoices.models import Invoice
from receivables_shared.events import InvoiceIssued


def invoice_issued(invoice: Invoice) -> InvoiceIssued:
    return InvoiceIssued(
        customer_id=invoice.customer_id,
        invoice_id=invoice.id,
        number=invoice.number,
        currency=invoice.currency,
        total=invoice.total,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
    )
