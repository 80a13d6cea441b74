from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from credit_policy.dependencies import (
    ApproveKeyDep,
    ClockDep,
    IdempotencyDep,
    ReadKeyDep,
    SessionDep,
)
from credit_policy.holds import service
from credit_policy.holds.schemas import HoldCreate, HoldList, HoldRead, HoldRelease

router = APIRouter(tags=["credit holds"])


@router.post("/customers/{customer_id}/holds", status_code=201, response_model=HoldRead)
async def place_hold(
    customer_id: uuid.UUID,
    data: HoldCreate,
    session: SessionDep,
    clock: ClockDep,
    key: ApproveKeyDep,
    idempotency: IdempotencyDep,
) -> HoldRead | Response:
    if replay := await idempotency.replay():
        return replay
    hold = await service.place_hold(session, clock, customer_id, data, key.name)
    return await idempotency.remember(201, HoldRead.model_validate(hold))


@router.get("/customers/{customer_id}/holds", response_model=HoldList)
async def list_holds(customer_id: uuid.UUID, session: SessionDep, _: ReadKeyDep) -> HoldList:
    """Every hold of the customer, newest first, active and released."""
    holds = await service.holds_of(session, customer_id)
    return HoldList(items=[HoldRead.model_validate(hold) for hold in holds])


@router.post("/holds/{hold_id}/release", response_model=HoldRead)
async def release_hold(
    hold_id: uuid.UUID, data: HoldRelease, session: SessionDep, clock: ClockDep, key: ApproveKeyDep
) -> HoldRead:
    hold = await service.release_hold(session, clock, hold_id, data, key.name)
    return HoldRead.model_validate(hold)
