"""Write-offs: all or part of an open amount given up (requirement 31: partial forgiveness in a
settlement is a partial write-off). Needs the approve scope; the approver is the person who
decided, the API key's name who recorded it. An invoice written off to 0 is `written_off`."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.invoices.models import Invoice, InvoiceState
from invoicing.invoices.service import get_invoice
from invoicing.ledger.models import MovementKind
from invoicing.ledger.service import post_movement
from invoicing.write_offs.events import invoice_written_off
from invoicing.write_offs.models import WriteOff
from invoicing.write_offs.repository import WriteOffRepository
from invoicing.write_offs.schemas import WriteOffCreate
from receivables_shared.clock import Clock
from receivables_shared.http.problems import InvalidField, ProblemError
from receivables_shared.money import fits_minor_units, minor_units
from receivables_shared.outbox import record_event


async def write_off(
    session: AsyncSession,
    clock: Clock,
    invoice_id: uuid.UUID,
    data: WriteOffCreate,
    recorded_by: str,
) -> tuple[Invoice, WriteOff]:
    invoice = await get_invoice(session, invoice_id, for_update=True)
    if invoice.state == InvoiceState.CANCELLED:
        raise ProblemError(409, f"invoice {invoice.number} is cancelled")
    if invoice.open_amount == 0:
        raise InvalidField(
            "invoice_id",
            f"invoice {invoice.number} is {invoice.state}: nothing is open",
            location="path",
        )
    business_date = data.business_date or clock.today()
    if business_date < invoice.issue_date:
        raise InvalidField("business_date", "must not be before the invoice's issue date")
    amount = data.amount if data.amount is not None else invoice.open_amount
    if not fits_minor_units(amount, invoice.currency):
        raise InvalidField(
            "amount",
            f"{invoice.currency} amounts have at most {minor_units(invoice.currency)} decimals",
        )
    if amount > invoice.open_amount:
        raise InvalidField("amount", f"{amount} is more than the open amount {invoice.open_amount}")
    written_off = await WriteOffRepository(session).add(
        WriteOff(
            invoice_id=invoice.id,
            customer_id=invoice.customer_id,
            currency=invoice.currency,
            amount=amount,
            reason=data.reason,
            approver=data.approver,
            recorded_by=recorded_by,
            business_date=business_date,
        )
    )
    movement = await post_movement(
        session,
        invoice,
        kind=MovementKind.WRITE_OFF,
        amount=-amount,
        business_date=business_date,
        source_id=written_off.id,
    )
    record_event(session, invoice_written_off(invoice, written_off, movement.sequence), clock=clock)
    return invoice, written_off
