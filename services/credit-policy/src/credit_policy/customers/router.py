from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from credit_policy.customers import service
from credit_policy.customers.schemas import (
    CustomerCreate,
    CustomerFields,
    CustomerFilters,
    CustomerPage,
    CustomerRead,
    ExternalId,
    Label,
)
from credit_policy.dependencies import (
    ClockDep,
    IdempotencyDep,
    PageRequestDep,
    ReadKeyDep,
    SessionDep,
    SettingsDep,
    WriteKeyDep,
)
from credit_policy.terms.schemas import ClassKey

router = APIRouter(prefix="/customers", tags=["customers"])


@router.post("", status_code=201, response_model=CustomerRead)
async def create_customer(
    data: CustomerCreate,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    _: WriteKeyDep,
    idempotency: IdempotencyDep,
) -> CustomerRead | Response:
    if replay := await idempotency.replay():
        return replay
    customer = await service.create_customer(session, clock, data, settings.business_timezone)
    return await idempotency.remember(201, CustomerRead.model_validate(customer))


@router.put(
    "/by-external-id/{external_id}",
    response_model=CustomerRead,
    responses={201: {"model": CustomerRead, "description": "Created"}},
)
async def put_customer(
    external_id: Annotated[ExternalId, Path(description="The caller's own id of the customer.")],
    data: CustomerFields,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    response: Response,
    _: WriteKeyDep,
) -> CustomerRead:
    """Create (201) or replace (200) the customer; a repeat changes and announces nothing."""
    customer, created = await service.put_customer(
        session, clock, external_id, data, settings.business_timezone
    )
    response.status_code = 201 if created else 200
    return CustomerRead.model_validate(customer)


@router.get("/{customer_id}", response_model=CustomerRead)
async def get_customer(customer_id: uuid.UUID, session: SessionDep, _: ReadKeyDep) -> CustomerRead:
    return CustomerRead.model_validate(await service.get_customer(session, customer_id))


@router.get("", response_model=CustomerPage)
async def list_customers(
    session: SessionDep,
    _: ReadKeyDep,
    page: PageRequestDep,
    segment: Annotated[Label | None, Query(description="Only customers of this segment.")] = None,
    external_id: Annotated[
        ExternalId | None,
        Query(description="The customer the caller knows by this id (its own, unique)."),
    ] = None,
    risk_class: Annotated[
        ClassKey | None, Query(description="Only customers of this risk class.")
    ] = None,
    on_hold: Annotated[
        bool | None, Query(description="Only customers with (true) or without (false) a hold.")
    ] = None,
    review_due: Annotated[
        bool | None, Query(description="Only customers with (true) or without an open review.")
    ] = None,
) -> CustomerPage:
    customers, next_cursor = await service.list_customers(
        session,
        page,
        CustomerFilters(
            segment=segment,
            risk_class=risk_class,
            external_id=external_id,
            on_hold=on_hold,
            review_due=review_due,
        ),
    )
    items = [CustomerRead.model_validate(c) for c in customers]
    return CustomerPage(items=items, next_cursor=next_cursor)
