from __future__ import annotations

from fastapi import APIRouter

from analytics.dependencies import ReadKeyDep, SessionDep
from analytics.receivables import service
from analytics.receivables.schemas import InvoicedSummary

router = APIRouter(prefix="/receivables", tags=["receivables"])


@router.get("/invoiced", response_model=InvoicedSummary)
async def invoiced(session: SessionDep, _: ReadKeyDep) -> InvoicedSummary:
    return await service.invoiced_summary(session)
