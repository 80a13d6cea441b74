from __future__ import annotations

import uuid

from fastapi import APIRouter

from notifications.dependencies import ReadKeyDep, SessionDep
from notifications.messages import service
from notifications.messages.schemas import OutboundMessageRead

router = APIRouter(prefix="/customers/{customer_id}/messages", tags=["messages"])


@router.get("", response_model=list[OutboundMessageRead])
async def list_messages(
    customer_id: uuid.UUID, session: SessionDep, _: ReadKeyDep
) -> list[OutboundMessageRead]:
    messages = await service.messages_of(session, customer_id)
    return [OutboundMessageRead.model_validate(m) for m in messages]
