from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from collection.receivables.models import Receivable
from receivables_shared.pagination import Keyset, PageRequest

# Soonest due first, as collectors work; the invoice id makes the key unique whatever the numbers.
RECEIVABLE_ORDER = Keyset(
    "receivables", Receivable.due_date, Receivable.number, Receivable.invoice_id
)


class ReceivableRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, receivable: Receivable) -> None:
        # No flush: the consumer's unit of work flushes a whole batch in one INSERT.
        self.session.add(receivable)

    async def page_for_customer(
        self, customer_id: uuid.UUID, page: PageRequest
    ) -> tuple[list[Receivable], str | None]:
        statement = select(Receivable).where(Receivable.customer_id == customer_id)
        rows = await self.session.scalars(RECEIVABLE_ORDER.page_query(statement, page))
        return RECEIVABLE_ORDER.page_of(rows.all(), page)
