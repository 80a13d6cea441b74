from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from invoicing.dependencies import (
    ClockDep,
    IdempotencyDep,
    ReadKeyDep,
    SessionDep,
    WriteKeyDep,
)
from invoicing.invoices.pricing import round_to_currency
from invoicing.payments import advices, service
from invoicing.payments.models import Payment, PaymentAdvice, PaymentSource, PaymentState
from invoicing.payments.repository import PaymentFilters, PaymentRepository
from invoicing.payments.schemas import (
    AdviceFields,
    AdvicePage,
    AdviceRead,
    AllocationRead,
    AssignRequest,
    CreditBalanceRead,
    CreditBalancesRead,
    CreditMovementRead,
    ManualPaymentCreate,
    PaymentPage,
    PaymentRead,
    PaymentSummary,
    ReversalRequest,
)
from receivables_shared.http.problems import FieldError, NotFound, ProblemError, ProblemType
from receivables_shared.pagination import PageRequestDep

router = APIRouter(prefix="/payments", tags=["payments"])

#: An advice comes as a form; a file needs multipart.
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def _summary(payment: Payment) -> PaymentSummary:
    return PaymentSummary.model_validate(
        {
            **{key: getattr(payment, key) for key in PaymentSummary.model_fields},
            "amount": round_to_currency(payment.amount, payment.currency),
            "unapplied_amount": round_to_currency(payment.unapplied_amount, payment.currency),
        }
    )


async def _read(session: SessionDep, payment_id: uuid.UUID) -> PaymentRead:
    payment, allocations = await service.get_payment(session, payment_id)
    advice = await PaymentRepository(session).advice_of_payment(payment.id)
    return PaymentRead(
        **_summary(payment).model_dump(),
        allocations=[
            AllocationRead(
                invoice_id=a.invoice_id,
                amount=round_to_currency(a.amount, payment.currency),
                discount_amount=round_to_currency(a.discount_amount, payment.currency),
                applied_on=a.applied_on,
                funded_by=a.funded_by,
                reversed=a.reversed,
            )
            for a in allocations
        ],
        advice_id=advice.id if advice is not None else None,
    )


@router.post("", status_code=201, response_model=PaymentRead)
async def create_payment(
    data: ManualPaymentCreate,
    session: SessionDep,
    clock: ClockDep,
    key: WriteKeyDep,
    idempotency: IdempotencyDep,
) -> PaymentRead | Response:
    """Record a payment by hand (collectors' desk) and allocate it at once."""
    if replay := await idempotency.replay():
        return replay
    # The Idempotency-Key makes the payment's identity; without one, every call is a new one.
    source_key = f"manual:{key.id}:{idempotency.key or uuid.uuid4()}"
    payment = await service.create_manual_payment(session, clock, data, source_key)
    return await idempotency.remember(201, await _read(session, payment.id))


@router.get("", response_model=PaymentPage)
async def list_payments(
    session: SessionDep,
    _: ReadKeyDep,
    page: PageRequestDep,
    customer_id: uuid.UUID | None = None,
    state: PaymentState | None = None,
    source: PaymentSource | None = None,
) -> PaymentPage:
    filters = PaymentFilters(
        customer_id=customer_id,
        state=state.value if state else None,
        source=source.value if source else None,
    )
    payments, next_cursor = await service.list_payments(session, filters, page)
    return PaymentPage(items=[_summary(p) for p in payments], next_cursor=next_cursor)


@router.get("/unmatched", response_model=PaymentPage)
async def unmatched_payments(
    session: SessionDep, _: ReadKeyDep, page: PageRequestDep
) -> PaymentPage:
    """Payments waiting for a person: no customer matched (unmatched), or a currency the
    customer is not invoiced in (parked_currency). Oldest first."""
    payments, next_cursor = await service.unmatched_payments(session, page)
    return PaymentPage(items=[_summary(p) for p in payments], next_cursor=next_cursor)


@router.get("/credit-balances/{customer_id}", response_model=CreditBalancesRead)
async def credit_balances(
    customer_id: uuid.UUID,
    session: SessionDep,
    _: ReadKeyDep,
    movements: Annotated[int, Query(ge=0, le=200, description="Latest movements shown.")] = 20,
) -> CreditBalancesRead:
    balances, recent = await service.credit_balance_of(session, customer_id, movements)
    return CreditBalancesRead(
        customer_id=customer_id,
        balances=[
            CreditBalanceRead(currency=b.currency, balance=round_to_currency(b.balance, b.currency))
            for b in balances
        ],
        recent_movements=[
            CreditMovementRead(
                currency=m.currency,
                change=round_to_currency(m.change, m.currency),
                balance_after=round_to_currency(m.balance_after, m.currency),
                business_date=m.business_date,
                payment_id=m.payment_id,
                invoice_id=m.invoice_id,
            )
            for m in recent
        ],
    )


def _advice_read(advice: PaymentAdvice) -> AdviceRead:
    return AdviceRead(
        id=advice.id,
        customer_id=advice.customer_id,
        amount=round_to_currency(advice.amount, advice.currency),
        currency=advice.currency,
        paid_on=advice.paid_on,
        reference=advice.reference,
        invoice_numbers=list(advice.invoice_numbers),
        filename=advice.filename,
        content_type=advice.content_type,
        file_size=advice.file_size,
        payment_id=advice.payment_id,
        matched_on=advice.matched_on,
        created_on=advice.created_on,
    )


async def _advice_form(request: Request) -> tuple[AdviceFields, UploadFile | None]:
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith(FORM_TYPES):
        raise ProblemError(
            415,
            "Send the advice as multipart/form-data (its fields and the file).",
            type_=ProblemType.UNSUPPORTED_MEDIA_TYPE,
            field="Content-Type",
            location="header",
        )
    form = await request.form(
        max_files=1, max_fields=120, max_part_size=advices.MAX_ADVICE_REQUEST_BYTES
    )
    values: dict[str, Any] = {
        key: form.get(key)
        for key in ("customer_id", "amount", "currency", "date", "reference")
        if isinstance(form.get(key), str) and form.get(key) != ""
    }
    numbers: list[str] = []
    for value in form.getlist("invoice_numbers"):
        if isinstance(value, str):
            numbers.extend(part for part in value.replace(";", ",").split(",") if part.strip())
    values["invoice_numbers"] = numbers
    unknown = set(form.keys()) - {*values, "invoice_numbers", "file"}
    try:
        fields = AdviceFields.model_validate({**values, **{k: form.get(k) for k in unknown}})
    except ValidationError as error:
        errors = [
            FieldError(
                field=".".join(str(part) for part in e["loc"]) or "body",
                location="body",
                message=e["msg"].removeprefix("Value error, "),
            )
            for e in error.errors()
        ]
        detail = "; ".join(f"Invalid field '{e.field}': {e.message}" for e in errors)
        raise ProblemError(422, detail, type_=ProblemType.VALIDATION, errors=errors) from None
    file = form.get("file")
    return fields, file if isinstance(file, UploadFile) else None


@router.post(
    "/advices",
    status_code=201,
    response_model=AdviceRead,
    max_body_size=advices.MAX_ADVICE_REQUEST_BYTES,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["customer_id", "amount", "currency", "date"],
                        "properties": {
                            "customer_id": {"type": "string", "format": "uuid"},
                            "amount": {"type": "string", "format": "decimal"},
                            "currency": {"type": "string"},
                            "date": {"type": "string", "format": "date"},
                            "reference": {"type": "string"},
                            "invoice_numbers": {
                                "type": "string",
                                "description": "Comma-separated, or the field repeated.",
                            },
                            "file": {"type": "string", "format": "binary"},
                        },
                    }
                }
            },
        }
    },
)
async def create_advice(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    _: WriteKeyDep,
    idempotency: IdempotencyDep,
) -> AdviceRead | Response:
    """Store a remittance advice or bank receipt (the file is kept, up to 5 MiB)."""
    if replay := await idempotency.replay():
        return replay
    fields, file = await _advice_form(request)
    content = None
    if file is not None:
        content = await file.read(advices.MAX_ADVICE_FILE_BYTES + 1)
    advice = await advices.create_advice(
        session,
        clock,
        fields,
        content,
        file.filename if file is not None else None,
        file.content_type if file is not None else None,
    )
    return await idempotency.remember(201, _advice_read(advice))


@router.get("/advices", response_model=AdvicePage)
async def list_advices(
    session: SessionDep,
    clock: ClockDep,
    _: ReadKeyDep,
    page: PageRequestDep,
    unmatched_after_days: Annotated[
        int | None,
        Query(ge=0, le=3650, description="Only advices no payment matched this many days on."),
    ] = None,
    customer_id: uuid.UUID | None = None,
) -> AdvicePage:
    items, next_cursor = await advices.list_advices(
        session,
        clock,
        unmatched_after_days=unmatched_after_days,
        customer_id=customer_id,
        page=page,
    )
    return AdvicePage(items=[_advice_read(a) for a in items], next_cursor=next_cursor)


@router.get("/advices/{advice_id}", response_model=AdviceRead)
async def get_advice(advice_id: uuid.UUID, session: SessionDep, _: ReadKeyDep) -> AdviceRead:
    return _advice_read(await advices.get_advice(session, advice_id))


@router.get("/advices/{advice_id}/file", response_class=Response)
async def get_advice_file(advice_id: uuid.UUID, session: SessionDep, _: ReadKeyDep) -> Response:
    found = await PaymentRepository(session).advice_file(advice_id)
    if found is None or found[0] is None:
        raise NotFound("Payment advice file", advice_id)
    content, content_type = found
    return Response(content, media_type=content_type or "application/octet-stream")


@router.get("/{payment_id}", response_model=PaymentRead)
async def get_payment(payment_id: uuid.UUID, session: SessionDep, _: ReadKeyDep) -> PaymentRead:
    return await _read(session, payment_id)


@router.post("/{payment_id}/assign", response_model=PaymentRead)
async def assign_payment(
    payment_id: uuid.UUID,
    data: AssignRequest,
    session: SessionDep,
    clock: ClockDep,
    _: WriteKeyDep,
) -> PaymentRead:
    """A person names the customer (and optionally the invoices) of a waiting payment."""
    await service.assign_payment(session, clock, payment_id, data)
    return await _read(session, payment_id)


@router.post("/{payment_id}/reversal", response_model=PaymentRead)
async def reverse_payment(
    payment_id: uuid.UUID,
    data: ReversalRequest,
    session: SessionDep,
    clock: ClockDep,
    _: WriteKeyDep,
) -> PaymentRead:
    """The bank took the money back: everything it applied is open again."""
    await service.reverse_payment(session, clock, payment_id, data)
    return await _read(session, payment_id)
