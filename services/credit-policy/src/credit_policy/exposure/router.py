from __future__ import annotations

import uuid

from fastapi import APIRouter

from credit_policy.customers import service as customers
from credit_policy.dependencies import ClockDep, ReadKeyDep, SessionDep
from credit_policy.exposure import service
from credit_policy.exposure.schemas import CurrencyExposureRead, ExposureRead
from receivables_shared.money import quantum

router = APIRouter(tags=["exposure"])


@router.get("/customers/{customer_id}/exposure", response_model=ExposureRead)
async def get_exposure(
    customer_id: uuid.UUID, session: SessionDep, clock: ClockDep, _: ReadKeyDep
) -> ExposureRead:
    await customers.get_customer(session, customer_id)  # 404 for an unknown customer
    rows = await service.exposure_of(session, customer_id, clock.now())
    return ExposureRead(
        customer_id=customer_id,
        currencies=[
            CurrencyExposureRead(
                currency=row.currency,
                open_receivables=row.open_receivables.quantize(quantum(row.currency)),
                reserved=row.reserved.quantize(quantum(row.currency)),
                exposure=row.exposure.quantize(quantum(row.currency)),
                oldest_open_due_date=row.oldest_open_due_date,
            )
            for row in rows
        ],
    )
