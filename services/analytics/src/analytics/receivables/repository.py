from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import Row, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.receivables.models import InvoiceFact


class InvoiceFactRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, fact: InvoiceFact) -> None:
        # No flush: the consumer's unit of work flushes a whole batch in one INSERT.
        self.session.add(fact)

    async def totals_by_currency(self) -> Sequence[Row[str, int, Decimal]]:
        result = await self.session.execute(
            select(InvoiceFact.currency, func.count(), func.sum(InvoiceFact.amount))
            .group_by(InvoiceFact.currency)
            .order_by(InvoiceFact.currency)
        )
        return result.all()
