from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.messages.models import OutboundMessage
from receivables_shared.pagination import Keyset, PageRequest

# Queueing order; the id breaks ties between messages queued in one consumer batch.
MESSAGE_ORDER = Keyset("messages", OutboundMessage.created_at, OutboundMessage.id)


class OutboundMessageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, message: OutboundMessage) -> None:
        # No flush: the consumer's unit of work flushes a whole batch in one INSERT.
        self.session.add(message)

    async def page_for_customer(
        self, customer_id: uuid.UUID, page: PageRequest
    ) -> tuple[list[OutboundMessage], str | None]:
        statement = select(OutboundMessage).where(OutboundMessage.customer_id == customer_id)
        rows = await self.session.scalars(MESSAGE_ORDER.page_query(statement, page))
        return MESSAGE_ORDER.page_of(rows.all(), page)
