from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from receivables_shared.clock import Clock
from receivables_shared.http.problems import InvalidField, NotFound
from receivables_shared.outbox import record_event
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.customers.repository import KnownCustomerRepository
from invoicing.invoices.events import invoice_issued
from invoicing.invoices.models import Invoice, InvoiceLine
from invoicing.invoices.repository import InvoiceRepository
from invoicing.invoices.schemas import InvoiceCreate

CENT = Decimal("0.01")


async def issue_invoice(session: AsyncSession, clock: Clock, data: InvoiceCreate) -> Invoice:
    if await KnownCustomerRepository(session).get(data.customer_id) is None:
        raise InvalidField("customer_id", f"customer {data.customer_id} is not known to invoicing")
    issue_date = data.issue_date or clock.today()
    due_date = data.due_date or issue_date + timedelta(days=data.payment_term_days)
    if due_date < issue_date:
        raise InvalidField("due_date", "must not be before the issue date")

    repository = InvoiceRepository(session)
    sequence = await repository.next_number(issue_date.year)
    lines = [
        InvoiceLine(
            position=position,
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            amount=(line.quantity * line.unit_price).quantize(CENT, ROUND_HALF_UP),
        )
        for position, line in enumerate(data.lines, start=1)
    ]
    invoice = await repository.add(
        Invoice(
            number=f"INV-{issue_date.year}-{sequence:06d}",
            customer_id=data.customer_id,
            currency=data.currency,
            total=sum((line.amount for line in lines), Decimal("0.00")),
            issue_date=issue_date,
            due_date=due_date,
            lines=lines,
        )
    )
    record_event(session, invoice_issued(invoice), clock=clock)
    return invoice


async def get_invoice(session: AsyncSession, invoice_id: uuid.UUID) -> Invoice:
    invoice = await InvoiceRepository(session).get(invoice_id)
    if invoice is None:
        raise NotFound("Invoice", invoice_id)
    return invoice
