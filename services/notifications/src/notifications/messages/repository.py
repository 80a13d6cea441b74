from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.messages.models import OutboundMessage


class OutboundMessageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, message: OutboundMessage) -> None:
        self.session.add(message)
        await self.session.flush()

    async def list_for_customer(self, customer_id: uuid.UUID) -> Sequence[OutboundMessage]:
        result = await self.session.scalars(
            select(OutboundMessage)
            .where(OutboundMessage.customer_id == customer_id)
            .order_by(OutboundMessage.created_at, OutboundMessage.id)
        )
        return result.all()
