from __future__ import annotations

import uuid

from fastapi import APIRouter

from notifications.dependencies import PageRequestDep, ReadKeyDep, SessionDep
from notifications.messages import service
from notifications.messages.schemas import OutboundMessagePage, OutboundMessageRead

router = APIRouter(prefix="/customers/{customer_id}/messages", tags=["messages"])


@router.get("", response_model=OutboundMessagePage)
async def list_messages(
    customer_id: uuid.UUID, session: SessionDep, _: ReadKeyDep, page: PageRequestDep
) -> OutboundMessagePage:
    messages, next_cursor = await service.messages_of(session, customer_id, page)
    items = [OutboundMessageRead.model_validate(m) for m in messages]
    return OutboundMessagePage(items=items, next_cursor=next_cursor)
