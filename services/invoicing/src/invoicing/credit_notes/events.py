from invoicing.credit_notes.models import CreditNote
from invoicing.invoices.models import Invoice
from invoicing.invoices.pricing import round_to_currency
from receivables_shared.events import CreditNoteIssued


def credit_note_issued(
    invoice: Invoice, credit_note: CreditNote, movement_sequence: int
) -> CreditNoteIssued:
    return CreditNoteIssued(
        customer_id=invoice.customer_id,
        credit_note_id=credit_note.id,
        invoice_id=invoice.id,
        number=credit_note.number,
        currency=invoice.currency,
        amount=round_to_currency(credit_note.amount, invoice.currency),
        issued_on=credit_note.business_date,
        reason=credit_note.reason,
        open_amount=round_to_currency(invoice.open_amount, invoice.currency),
        movement_sequence=movement_sequence,
    )
