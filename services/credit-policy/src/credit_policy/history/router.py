from __future__ import annotations

import uuid

from fastapi import APIRouter

from credit_policy.customers.service import get_customer
from credit_policy.dependencies import PageRequestDep, ReadKeyDep, SessionDep
from credit_policy.history.schemas import HistoryEntryRead, HistoryPage
from credit_policy.history.service import customer_history

router = APIRouter(prefix="/customers", tags=["credit terms"])


@router.get("/{customer_id}/history", response_model=HistoryPage)
async def get_history(
    customer_id: uuid.UUID, session: SessionDep, _: ReadKeyDep, page: PageRequestDep
) -> HistoryPage:
    """Every change of class, limit, terms, decision and contract: who, when, before, after, why."""
    await get_customer(session, customer_id)  # 404 for an unknown customer, not an empty page
    entries, next_cursor = await customer_history(session, customer_id, page)
    items = [HistoryEntryRead.model_validate(entry) for entry in entries]
    return HistoryPage(items=items, next_cursor=next_cursor)
