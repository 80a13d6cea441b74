from __future__ import annotations

import uuid

from fastapi import APIRouter

from collection.dependencies import ReadKeyDep, SessionDep
from collection.receivables import service
from collection.receivables.schemas import ReceivableRead

router = APIRouter(prefix="/customers/{customer_id}/receivables", tags=["receivables"])


@router.get("", response_model=list[ReceivableRead])
async def list_receivables(
    customer_id: uuid.UUID, session: SessionDep, _: ReadKeyDep
) -> list[ReceivableRead]:
    receivables = await service.receivables_of(session, customer_id)
    return [ReceivableRead.model_validate(r) for r in receivables]
