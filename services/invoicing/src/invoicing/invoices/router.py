from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.dependencies import (
    ClockDep,
    CustomerLookupDep,
    IdempotencyDep,
    ReadKeyDep,
    SessionDep,
    SettingsDep,
    WriteKeyDep,
)
from invoicing.invoices import service
from invoicing.invoices.models import InvoiceState
from invoicing.invoices.repository import InvoiceFilters
from invoicing.invoices.schemas import (
    CancelRequest,
    DueDateExtensionCreate,
    InvoiceCreate,
    InvoicePage,
    InvoiceRead,
    IssueDelay,
    IssueDelays,
)
from invoicing.invoices.views import invoice_read, invoice_summaries
from receivables_shared.http.inputs import BusinessDate
from receivables_shared.pagination import PageRequestDep

router = APIRouter(prefix="/invoices", tags=["invoices"])


async def _read(session: AsyncSession, invoice_id: uuid.UUID) -> InvoiceRead:
    invoice = await service.get_invoice(session, invoice_id)
    return invoice_read(invoice, await service.movements_of(session, invoice))


@router.post("", status_code=201, response_model=InvoiceRead)
async def issue_invoice(
    data: InvoiceCreate,
    session: SessionDep,
    clock: ClockDep,
    key: WriteKeyDep,
    idempotency: IdempotencyDep,
    customers: CustomerLookupDep,
    settings: SettingsDep,
) -> InvoiceRead | Response:
    if replay := await idempotency.replay():
        return replay
    invoice = await service.issue_invoice(session, clock, data, customers, settings, key.name)
    return await idempotency.remember(201, await _read(session, invoice.id))


@router.get("", response_model=InvoicePage)
async def list_invoices(
    session: SessionDep,
    clock: ClockDep,
    _: ReadKeyDep,
    page: PageRequestDep,
    customer_id: uuid.UUID | None = None,
    state: InvoiceState | None = None,
    due_before: date | None = Query(default=None, description="Due strictly before this date."),
    overdue: bool | None = Query(
        default=None, description="Still owed and past its due date as of today."
    ),
    order_reference: Annotated[str | None, Query(max_length=100)] = None,
) -> InvoicePage:
    filters = InvoiceFilters(
        customer_id=customer_id,
        state=state.value if state else None,
        due_before=due_before,
        overdue=overdue,
        order_reference=order_reference,
    )
    invoices, next_cursor = await service.list_invoices(session, clock, filters, page)
    return InvoicePage(items=invoice_summaries(invoices), next_cursor=next_cursor)


@router.get("/issue-delays", response_model=IssueDelays)
async def issue_delays(
    session: SessionDep,
    _: ReadKeyDep,
    date_from: Annotated[BusinessDate, Query(alias="from")],
    date_to: Annotated[BusinessDate, Query(alias="to")],
) -> IssueDelays:
    rows, unmeasured = await service.issue_delays(session, date_from, date_to)
    return IssueDelays.model_validate(
        {
            "from": date_from,
            "to": date_to,
            "systems": [
                IssueDelay(
                    issuing_system=row.issuing_system,
                    invoices=row.invoices,
                    average_hours=round(row.average_hours, 2),
                    max_hours=round(row.max_hours, 2),
                    over_12_hours=row.over_12_hours,
                )
                for row in rows
            ],
            "without_completed_at": unmeasured,
        }
    )


@router.get("/{invoice_id}", response_model=InvoiceRead)
async def get_invoice(invoice_id: uuid.UUID, session: SessionDep, _: ReadKeyDep) -> InvoiceRead:
    return await _read(session, invoice_id)


@router.post("/{invoice_id}/due-date-extensions", response_model=InvoiceRead)
async def extend_due_date(
    invoice_id: uuid.UUID,
    data: DueDateExtensionCreate,
    session: SessionDep,
    clock: ClockDep,
    _: WriteKeyDep,
) -> InvoiceRead:
    await service.extend_due_date(session, clock, invoice_id, data)
    return await _read(session, invoice_id)


@router.post("/{invoice_id}/cancel", response_model=InvoiceRead)
async def cancel_invoice(
    invoice_id: uuid.UUID,
    data: CancelRequest,
    session: SessionDep,
    clock: ClockDep,
    _: WriteKeyDep,
) -> InvoiceRead:
    await service.cancel_invoice(session, clock, invoice_id, data)
    return await _read(session, invoice_id)
