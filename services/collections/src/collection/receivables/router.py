from __future__ import annotations

import uuid

from fastapi import APIRouter

from collection.dependencies import PageRequestDep, ReadKeyDep, SessionDep
from collection.receivables import service
from collection.receivables.schemas import ReceivablePage, ReceivableRead

router = APIRouter(prefix="/customers/{customer_id}/receivables", tags=["receivables"])


@router.get("", response_model=ReceivablePage)
async def list_receivables(
    customer_id: uuid.UUID, session: SessionDep, _: ReadKeyDep, page: PageRequestDep
) -> ReceivablePage:
    receivables, next_cursor = await service.receivables_of(session, customer_id, page)
    items = [ReceivableRead.model_validate(r) for r in receivables]
    return ReceivablePage(items=items, next_cursor=next_cursor)
