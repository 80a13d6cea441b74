from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import Row, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.receivables.models import InvoiceFact, InvoiceMovement
from receivables_shared.db.open_amount_projection import OpenAmountProjection


def projection(session: AsyncSession) -> OpenAmountProjection:
    """The invoice facts and their movements, kept from invoicing's events (SQL in shared/)."""
    return OpenAmountProjection(session, InvoiceFact, InvoiceMovement)


class InvoiceFactRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def totals_by_currency(self) -> Sequence[Row[str, int, Decimal]]:
        result = await self.session.execute(
            select(InvoiceFact.currency, func.count(), func.sum(InvoiceFact.amount))
            .group_by(InvoiceFact.currency)
            .order_by(InvoiceFact.currency)
        )
        return result.all()
