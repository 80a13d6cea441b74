from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from credit_policy.customers import service
from credit_policy.customers.schemas import CustomerCreate, CustomerPage, CustomerRead
from credit_policy.dependencies import (
    ClockDep,
    IdempotencyDep,
    ReadKeyDep,
    SessionDep,
    WriteKeyDep,
)

router = APIRouter(prefix="/customers", tags=["customers"])


@router.post("", status_code=201, response_model=CustomerRead)
async def create_customer(
    data: CustomerCreate,
    session: SessionDep,
    clock: ClockDep,
    _: WriteKeyDep,
    idempotency: IdempotencyDep,
) -> CustomerRead | Response:
    if replay := await idempotency.replay():
        return replay
    customer = await service.create_customer(session, clock, data)
    return await idempotency.remember(201, CustomerRead.model_validate(customer))


@router.get("/{customer_id}", response_model=CustomerRead)
async def get_customer(customer_id: uuid.UUID, session: SessionDep, _: ReadKeyDep) -> CustomerRead:
    return CustomerRead.model_validate(await service.get_customer(session, customer_id))


@router.get("", response_model=CustomerPage)
async def list_customers(
    session: SessionDep,
    _: ReadKeyDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,  # PostgreSQL takes no larger
) -> CustomerPage:
    customers = await service.list_customers(session, limit=limit, offset=offset)
    items = [CustomerRead.model_validate(c) for c in customers]
    return CustomerPage(items=items, limit=limit, offset=offset)
