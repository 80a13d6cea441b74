from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.history.models import CreditHistoryEntry
from receivables_shared.pagination import Keyset, PageRequest

# Newest first; ids grow in the order of writing, so they order entries of one transaction too.
HISTORY_ORDER = Keyset("credit-history", CreditHistoryEntry.id, descending=True)


class HistoryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def page(
        self, customer_id: uuid.UUID, page: PageRequest
    ) -> tuple[list[CreditHistoryEntry], str | None]:
        statement = select(CreditHistoryEntry).where(CreditHistoryEntry.customer_id == customer_id)
        rows = await self.session.scalars(HISTORY_ORDER.page_query(statement, page))
        return HISTORY_ORDER.page_of(rows.all(), page)
