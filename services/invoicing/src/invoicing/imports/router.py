from __future__ import annotations

from fastapi import APIRouter, Request, Response

from invoicing.dependencies import ClockDep, IdempotencyDep, SessionDep, WriteKeyDep
from invoicing.imports import service
from invoicing.imports.schemas import ImportResult
from receivables_shared.http.limits import MIB

router = APIRouter(prefix="/imports", tags=["imports"])

#: 100,000 rows of CSV are about 12 MiB.
MAX_IMPORT_BYTES = 64 * MIB


@router.post(
    "/invoices",
    status_code=201,
    response_model=ImportResult,
    max_body_size=MAX_IMPORT_BYTES,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/x-ndjson": {"schema": {"type": "string"}},
            },
        }
    },
)
async def import_invoices(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    key: WriteKeyDep,
    idempotency: IdempotencyDep,
) -> ImportResult | Response:
    """Open items of a previous ledger, all or nothing (docs/imports.md)."""
    if replay := await idempotency.replay():
        return replay
    result = await service.import_invoices(
        session, clock, await request.body(), request.headers.get("content-type"), key.name
    )
    return await idempotency.remember(201, result)
