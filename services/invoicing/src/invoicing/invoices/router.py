from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from invoicing.dependencies import (
    ClockDep,
    CustomerLookupDep,
    IdempotencyDep,
    ReadKeyDep,
    SessionDep,
    WriteKeyDep,
)
from invoicing.invoices import service
from invoicing.invoices.schemas import InvoiceCreate, InvoiceRead

router = APIRouter(prefix="/invoices", tags=["invoices"])


@router.post("", status_code=201, response_model=InvoiceRead)
async def issue_invoice(
    data: InvoiceCreate,
    session: SessionDep,
    clock: ClockDep,
    _: WriteKeyDep,
    idempotency: IdempotencyDep,
    customers: CustomerLookupDep,
) -> InvoiceRead | Response:
    if replay := await idempotency.replay():
        return replay
    invoice = await service.issue_invoice(session, clock, data, customers)
    return await idempotency.remember(201, InvoiceRead.model_validate(invoice))


@router.get("/{invoice_id}", response_model=InvoiceRead)
async def get_invoice(invoice_id: uuid.UUID, session: SessionDep, _: ReadKeyDep) -> InvoiceRead:
    return InvoiceRead.model_validate(await service.get_invoice(session, invoice_id))
