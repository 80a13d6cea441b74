from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from collection.receivables.models import Receivable, ReceivableMovement
from receivables_shared.db.open_amount_projection import OpenAmountProjection
from receivables_shared.pagination import Keyset, PageRequest

# Soonest due first, as collectors work; the invoice id makes the key unique whatever the numbers.
RECEIVABLE_ORDER = Keyset(
    "receivables", Receivable.due_date, Receivable.number, Receivable.invoice_id
)


def projection(session: AsyncSession) -> OpenAmountProjection:
    """The receivables and their movements, kept from invoicing's events (SQL in shared/)."""
    return OpenAmountProjection(session, Receivable, ReceivableMovement)


class ReceivableRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def page_for_customer(
        self, customer_id: uuid.UUID, page: PageRequest
    ) -> tuple[list[Receivable], str | None]:
        statement = select(Receivable).where(Receivable.customer_id == customer_id)
        rows = await self.session.scalars(RECEIVABLE_ORDER.page_query(statement, page))
        return RECEIVABLE_ORDER.page_of(rows.all(), page)
