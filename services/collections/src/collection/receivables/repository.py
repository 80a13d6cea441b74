from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from collection.receivables.models import Receivable


class ReceivableRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, receivable: Receivable) -> None:
        self.session.add(receivable)
        await self.session.flush()

    async def list_for_customer(self, customer_id: uuid.UUID) -> Sequence[Receivable]:
        result = await self.session.scalars(
            select(Receivable)
            .where(Receivable.customer_id == customer_id)
            .order_by(Receivable.due_date, Receivable.number)
        )
        return result.all()
