"""invoicing: invoices, numbering, payments, allocation, credit notes, late fees, write-offs."""
