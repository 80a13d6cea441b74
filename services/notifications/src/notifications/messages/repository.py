from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.messages.models import OutboundMessage


class OutboundMessageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, message: OutboundMessage) -> None:
        # No flush: the consumer's unit of work flushes a whole batch in one INSERT.
        self.session.add(message)

    async def list_for_customer(self, customer_id: uuid.UUID) -> Sequence[OutboundMessage]:
        result = await self.session.scalars(
            select(OutboundMessage)
            .where(OutboundMessage.customer_id == customer_id)
            .order_by(OutboundMessage.created_at, OutboundMessage.id)
        )
        return result.all()
