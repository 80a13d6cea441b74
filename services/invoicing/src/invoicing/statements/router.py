from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query, Response

from invoicing.dependencies import ClockDep, ReadKeyDep, SessionDep, SettingsDep
from invoicing.statements import service
from invoicing.statements.formats import statement_csv, statement_pdf
from invoicing.statements.schemas import StatementRead
from receivables_shared.http.inputs import BusinessDate

router = APIRouter(tags=["statements"])


class StatementFormat(StrEnum):
    JSON = "json"
    CSV = "csv"
    PDF = "pdf"


@router.get(
    "/customers/{customer_id}/statement",
    response_model=StatementRead,
    responses={
        200: {
            "description": "Opening balance, every movement, closing balance, per currency.",
            "content": {"text/csv": {}, "application/pdf": {}},
        }
    },
)
async def get_statement(
    customer_id: uuid.UUID,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    _: ReadKeyDep,
    date_from: Annotated[
        BusinessDate | None,
        Query(alias="from", description="First day; default the first of `to`'s month."),
    ] = None,
    date_to: Annotated[
        BusinessDate | None, Query(alias="to", description="Last day; default today.")
    ] = None,
    format: StatementFormat = Query(default=StatementFormat.JSON),
) -> StatementRead | Response:
    last = date_to or clock.today()
    first = date_from or last.replace(day=1)
    statement = await service.customer_statement(session, customer_id, first, last, settings.seller)
    if format is StatementFormat.JSON:
        return StatementRead.of(statement)
    filename = f"statement-{first.isoformat()}-{last.isoformat()}.{format.value}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if format is StatementFormat.CSV:
        return Response(
            statement_csv(statement), media_type="text/csv; charset=utf-8", headers=headers
        )
    pdf = await statement_pdf(statement)  # in a worker thread: WeasyPrint is CPU-bound
    return Response(pdf, media_type="application/pdf", headers=headers)
