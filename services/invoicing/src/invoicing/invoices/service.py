from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext

from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.customers.lookup import CustomerLookup
from invoicing.customers.service import require_known_customer
from invoicing.invoices.events import invoice_issued
from invoicing.invoices.models import Invoice, InvoiceLine
from invoicing.invoices.repository import InvoiceRepository
from invoicing.invoices.schemas import InvoiceCreate
from receivables_shared.clock import Clock
from receivables_shared.http.problems import InvalidField, NotFound
from receivables_shared.money import fits_minor_units, minor_units
from receivables_shared.outbox import record_event

CENT = Decimal("0.01")
QUANTITY_STEP = Decimal("0.0001")
MAX_AMOUNT = Decimal("1E16")  # amounts are stored as Numeric(18, 2)


def _priced_lines(data: InvoiceCreate) -> list[InvoiceLine]:
    """Lines with amounts rounded half-up to cents; values kept as they will be stored."""
    lines = []
    with localcontext() as context:
        context.prec = 50  # quantity x price can exceed the default 28 digits before the check
        for position, line in enumerate(data.lines, start=1):
            if not fits_minor_units(line.unit_price, data.currency):
                digits = minor_units(data.currency)
                raise InvalidField(
                    f"lines[{position - 1}].unit_price",
                    f"{data.currency} amounts have at most {digits} decimals",
                )
            quantity = line.quantity.quantize(QUANTITY_STEP)
            unit_price = line.unit_price.quantize(CENT)
            amount = (quantity * unit_price).quantize(CENT, ROUND_HALF_UP)
            if amount >= MAX_AMOUNT:
                raise InvalidField(f"lines[{position - 1}]", "quantity x unit price is too large")
            lines.append(
                InvoiceLine(
                    position=position,
                    description=line.description,
                    quantity=quantity,
                    unit_price=unit_price,
                    amount=amount,
                )
            )
    return lines


async def issue_invoice(
    session: AsyncSession, clock: Clock, data: InvoiceCreate, customers: CustomerLookup
) -> Invoice:
    issue_date = data.issue_date or clock.today()
    due_date = data.due_date or issue_date + timedelta(days=data.payment_term_days)
    if due_date < issue_date:
        raise InvalidField("due_date", "must not be before the issue date")

    lines = _priced_lines(data)
    total = sum((line.amount for line in lines), Decimal("0.00"))
    if total >= MAX_AMOUNT:
        raise InvalidField("lines", "the invoice total is too large")
    # Last of the checks: it may ask credit-policy or wait, so bad input fails before that.
    await require_known_customer(session, data.customer_id, customers)

    repository = InvoiceRepository(session)
    sequence = await repository.next_number(issue_date.year)
    invoice = await repository.add(
        Invoice(
            number=f"INV-{issue_date.year}-{sequence:06d}",
            customer_id=data.customer_id,
            currency=data.currency,
            total=total,
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
