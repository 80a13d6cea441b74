from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from collection.receivables.models import Receivable


class ReceivableRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, receivable: Receivable) -> None:
        # No flush: the consumer's unit of work flushes a whole batch in one INSERT.
        self.session.add(receivable)

    async def list_for_customer(self, customer_id: uuid.UUID) -> Sequence[Receivable]:
        result = await self.session.scalars(
            select(Receivable)
            .where(Receivable.customer_id == customer_id)
            .order_by(Receivable.due_date, Receivable.number)
        )
        return result.all()
