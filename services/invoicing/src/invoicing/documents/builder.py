"""From the stored invoice, its customer and the seller settings to the document's view model."""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

from invoicing.customers.models import KnownCustomer
from invoicing.documents.seller import SellerSettings
from invoicing.documents.texts import document_language
from invoicing.documents.view_models import (
    DocumentLine,
    EarlyPaymentDiscount,
    InvoiceDocument,
    Party,
    PaymentAccount,
    TaxRateTotal,
)
from invoicing.invoices.models import Invoice
from invoicing.invoices.pricing import totals_per_rate


def seller_party(seller: SellerSettings) -> Party:
    return Party(name=seller.legal_name, tax_id=seller.tax_id, address=seller.address)


def buyer_party(customer: KnownCustomer) -> Party:
    return Party(name=customer.name, tax_id=customer.tax_id, country=customer.country)


def build_invoice_document(
    invoice: Invoice, customer: KnownCustomer, seller: SellerSettings, zone: ZoneInfo
) -> InvoiceDocument:
    """`invoice` with its lines loaded; `zone` tells on which date completed_at fell."""
    discount = None
    if invoice.discount_until is not None and invoice.discount_amount:
        discount = EarlyPaymentDiscount(
            percent=invoice.early_payment_discount_percent,
            until=invoice.discount_until,
            discount=invoice.discount_amount,
            amount_to_pay=invoice.total - invoice.discount_amount,
        )
    return InvoiceDocument(
        number=invoice.number,
        language=document_language(customer.language),
        currency=invoice.currency,
        issue_date=invoice.issue_date,
        completed_on=invoice.completed_at.astimezone(zone).date() if invoice.completed_at else None,
        due_date=invoice.due_date,
        order_reference=invoice.order_reference,
        seller=seller_party(seller),
        buyer=buyer_party(customer),
        lines=[
            DocumentLine(
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                tax_rate=line.tax_rate,
                net=line.net,
                tax=line.tax,
                gross=line.gross,
            )
            for line in invoice.lines
        ],
        # Highest rate first, as most invoices in the region print them.
        tax_totals=[
            TaxRateTotal(rate=total.tax_rate, net=total.net, tax=total.tax, gross=total.gross)
            for total in reversed(totals_per_rate(invoice.lines))
        ],
        net_total=invoice.net_total,
        tax_total=invoice.tax_total,
        total=invoice.total,
        rf_reference=invoice.rf_reference,
        accounts=[
            PaymentAccount(iban=account.iban, bic=account.bic, bank_name=account.bank_name)
            for account in seller.bank_accounts
        ],
        discount=discount,
        late_interest_percent_per_month=invoice.late_interest_percent_per_month or Decimal(0),
        interest_grace_days=invoice.interest_grace_days,
        cancelled_on=invoice.cancelled_on,
    )
