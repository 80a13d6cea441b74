from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from invoicing.credit_notes import service
from invoicing.credit_notes.models import CreditNote
from invoicing.credit_notes.schemas import CreditNoteCreate, CreditNoteRead
from invoicing.dependencies import ClockDep, IdempotencyDep, ReadKeyDep, SessionDep, WriteKeyDep
from invoicing.invoices.models import Invoice
from invoicing.invoices.views import money

router = APIRouter(prefix="/invoices", tags=["credit notes"])


@router.post("/{invoice_id}/credit-notes", status_code=201, response_model=CreditNoteRead)
async def issue_credit_note(
    invoice_id: uuid.UUID,
    data: CreditNoteCreate,
    session: SessionDep,
    clock: ClockDep,
    _: WriteKeyDep,
    idempotency: IdempotencyDep,
) -> CreditNoteRead | Response:
    if replay := await idempotency.replay():
        return replay
    invoice, note = await service.issue_credit_note(session, clock, invoice_id, data)
    return await idempotency.remember(201, _read(invoice, note))


@router.get("/{invoice_id}/credit-notes", response_model=list[CreditNoteRead])
async def list_credit_notes(
    invoice_id: uuid.UUID, session: SessionDep, _: ReadKeyDep
) -> list[CreditNoteRead]:
    invoice, notes = await service.credit_notes_of(session, invoice_id)
    return [_read(invoice, note) for note in notes]


def _read(invoice: Invoice, note: CreditNote) -> CreditNoteRead:
    currency = invoice.currency
    return CreditNoteRead(
        id=note.id,
        number=note.number,
        invoice_id=invoice.id,
        customer_id=invoice.customer_id,
        currency=currency,
        net=money(note.net, currency),
        tax=money(note.tax, currency),
        amount=money(note.amount, currency),
        reason=note.reason,
        business_date=note.business_date,
        lines=note.lines,
        open_amount=money(invoice.open_amount, currency),
        invoice_state=invoice.state,
    )
