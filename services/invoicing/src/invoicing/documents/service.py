"""The invoice document: read the invoice and its customer, build the view model."""

from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.customers.repository import KnownCustomerRepository
from invoicing.documents.builder import build_invoice_document
from invoicing.documents.seller import SellerSettings
from invoicing.documents.view_models import InvoiceDocument
from invoicing.invoices.service import get_invoice
from receivables_shared.http.problems import NotFound


async def invoice_document(
    session: AsyncSession, invoice_id: uuid.UUID, seller: SellerSettings, zone: ZoneInfo
) -> InvoiceDocument:
    invoice = await get_invoice(session, invoice_id)  # NotFound: 404
    customer = await KnownCustomerRepository(session).get(invoice.customer_id)
    if customer is None:  # an invoice is only issued to a known customer
        raise NotFound("Customer", invoice.customer_id)
    return build_invoice_document(invoice, customer, seller, zone)
