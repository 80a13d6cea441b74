from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from credit_policy.credit_checks import service
from credit_policy.credit_checks.schemas import (
    CreditCheckRequest,
    CreditCheckResult,
    ReservationRead,
)
from credit_policy.dependencies import (
    ClockDep,
    IdempotencyDep,
    ReadKeyDep,
    SessionDep,
    SettingsDep,
    WriteKeyDep,
)
from receivables_shared.http.dependencies import without_transaction

router = APIRouter(tags=["credit checks"])


@router.post("/credit-checks", response_model=CreditCheckResult)
async def check_credit(
    data: CreditCheckRequest,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    _: WriteKeyDep,
    idempotency: IdempotencyDep,
) -> CreditCheckResult | Response:
    """Decide on an order; with `reserve`, an approved amount is reserved atomically."""
    if not data.reserve and idempotency.key is None:
        # Nothing to write: the check reads terms and position in one statement (repository).
        await without_transaction(session)
    if replay := await idempotency.replay():
        return replay
    result = await service.check_credit(session, clock, settings, data)
    return await idempotency.remember(200, result)


@router.get("/reservations/{reservation_id}", response_model=ReservationRead)
async def get_reservation(
    reservation_id: uuid.UUID, session: SessionDep, _: ReadKeyDep
) -> ReservationRead:
    return ReservationRead.model_validate(await service.get_reservation(session, reservation_id))


@router.delete("/reservations/{reservation_id}", status_code=204)
async def release_reservation(
    reservation_id: uuid.UUID, session: SessionDep, clock: ClockDep, _: WriteKeyDep
) -> Response:
    """Give the reserved credit back (the order was cancelled); a repeat is harmless."""
    await service.release_reservation(session, clock, reservation_id)
    return Response(status_code=204)
