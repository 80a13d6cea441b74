from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from analytics.dependencies import ReadKeyDep, SessionDep
from analytics.receivables import service
from analytics.receivables.schemas import InvoicedSummary, ReceivablesBalance

router = APIRouter(prefix="/receivables", tags=["receivables"])


@router.get("/invoiced", response_model=InvoicedSummary)
async def invoiced(session: SessionDep, _: ReadKeyDep) -> InvoicedSummary:
    return await service.invoiced_summary(session)


@router.get("/balance", response_model=ReceivablesBalance)
async def balance(
    session: SessionDep,
    _: ReadKeyDep,
    customer_id: Annotated[
        uuid.UUID | None, Query(description="One customer's books; all customers' without it.")
    ] = None,
) -> ReceivablesBalance:
    return ReceivablesBalance(balances=await service.balances(session, customer_id))
