"""POST /v1/bank-statements: a bank statement file, as the raw body or a multipart upload."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel
from starlette.datastructures import UploadFile

from invoicing.dependencies import ClockDep, IdempotencyDep, SessionDep, SettingsDep, WriteKeyDep
from invoicing.payments.statements import ImportOutcome, import_statement_file
from receivables_shared.http.limits import MIB
from receivables_shared.http.problems import InvalidField, ProblemError, ProblemType

router = APIRouter(prefix="/bank-statements", tags=["bank statements"])

#: A month of a busy account's camt.053 is a few MB; larger files are split by the bank.
MAX_STATEMENT_BYTES = 20 * MIB
#: Raw bodies: camt XML or MT940 text (some banks' portals label it octet-stream).
RAW_TYPES = ("application/xml", "text/xml", "text/plain", "application/octet-stream")


class StatementOutcomeRead(BaseModel):
    account: str
    statement_id: str | None
    entries: int
    payments_created: int
    duplicates: int
    reversals_applied: int
    reversals_repeated: int
    other_debits: int
    not_booked: int
    balance_warning: str | None
    notes: list[str]


class StatementImportRead(BaseModel):
    format: str
    version: str
    statements: list[StatementOutcomeRead]
    #: Balances that do not reconcile, unknown namespaces: imported all the same.
    warnings: list[str]


def _read(outcome: ImportOutcome) -> StatementImportRead:
    return StatementImportRead(
        format=outcome.format,
        version=outcome.version,
        statements=[StatementOutcomeRead.model_validate(s.__dict__) for s in outcome.statements],
        warnings=outcome.warnings,
    )


async def _file_of(request: Request) -> tuple[bytes, str | None]:
    content_type = request.headers.get("content-type", "").lower()
    if content_type.startswith("multipart/form-data"):
        form = await request.form(max_files=1, max_fields=5, max_part_size=MAX_STATEMENT_BYTES)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidField("file", "send the statement as the multipart field 'file'")
        return await upload.read(MAX_STATEMENT_BYTES + 1), upload.filename
    if content_type.split(";")[0].strip() in RAW_TYPES:
        return await request.body(), None
    raise ProblemError(
        415,
        "Send the statement file as application/xml (camt), text/plain (MT940) or "
        "multipart/form-data with a 'file' field.",
        type_=ProblemType.UNSUPPORTED_MEDIA_TYPE,
        field="Content-Type",
        location="header",
    )


@router.post(
    "",
    status_code=201,
    response_model=StatementImportRead,
    max_body_size=MAX_STATEMENT_BYTES,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/xml": {"schema": {"type": "string", "format": "binary"}},
                "text/plain": {"schema": {"type": "string", "format": "binary"}},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                },
            },
        }
    },
)
async def import_bank_statement(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    _: WriteKeyDep,
    idempotency: IdempotencyDep,
) -> StatementImportRead | Response:
    """Import a camt.053, camt.054 or MT940 file: credits become payments (once each),
    reversals and returns reverse the payment they name. A malformed file or one for an
    account not ours is a 422 and nothing is stored."""
    if replay := await idempotency.replay():
        return replay
    data, filename = await _file_of(request)
    if len(data) > MAX_STATEMENT_BYTES:
        raise ProblemError(413, f"The statement file is larger than {MAX_STATEMENT_BYTES} bytes.")
    outcome = await import_statement_file(
        session, clock, data, filename=filename, known_accounts=settings.known_bank_accounts
    )
    return await idempotency.remember(201, _read(outcome))
