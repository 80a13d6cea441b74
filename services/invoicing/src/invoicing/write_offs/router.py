from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from invoicing.dependencies import ApproveKeyDep, ClockDep, IdempotencyDep, SessionDep
from invoicing.invoices.views import money
from invoicing.write_offs import service
from invoicing.write_offs.schemas import WriteOffCreate, WriteOffRead

router = APIRouter(prefix="/invoices", tags=["write-offs"])


@router.post("/{invoice_id}/write-off", status_code=201, response_model=WriteOffRead)
async def write_off(
    invoice_id: uuid.UUID,
    data: WriteOffCreate,
    session: SessionDep,
    clock: ClockDep,
    key: ApproveKeyDep,
    idempotency: IdempotencyDep,
) -> WriteOffRead | Response:
    if replay := await idempotency.replay():
        return replay
    invoice, written_off = await service.write_off(session, clock, invoice_id, data, key.name)
    currency = invoice.currency
    read = WriteOffRead(
        id=written_off.id,
        invoice_id=invoice.id,
        customer_id=invoice.customer_id,
        currency=currency,
        amount=money(written_off.amount, currency),
        reason=written_off.reason,
        approver=written_off.approver,
        recorded_by=written_off.recorded_by,
        business_date=written_off.business_date,
        open_amount=money(invoice.open_amount, currency),
        invoice_state=invoice.state,
    )
    return await idempotency.remember(201, read)
