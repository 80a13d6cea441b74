from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import func, literal, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from collection.receivables.models import Receivable, ReceivableMovement
from receivables_shared.db.movements import last_open_after, record_movements
from receivables_shared.events.cloudevents import EventMeta
from receivables_shared.open_amounts import OpenAmountChange
from receivables_shared.pagination import Keyset, PageRequest

# Soonest due first, as collectors work; the invoice id makes the key unique whatever the numbers.
RECEIVABLE_ORDER = Keyset(
    "receivables", Receivable.due_date, Receivable.number, Receivable.invoice_id
)


class ReceivableRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def exists(self, invoice_id: uuid.UUID) -> bool:
        found = await self.session.scalar(
            select(literal(True)).where(Receivable.invoice_id == invoice_id)
        )
        return bool(found)

    async def insert(self, receivable: Receivable) -> None:
        # A Core INSERT, not session.add: the next event of the same batch may UPDATE the row.
        values = {c.key: getattr(receivable, c.key) for c in Receivable.__table__.columns}
        values.pop("recorded_at")
        await self.session.execute(
            insert(Receivable).values(values).on_conflict_do_nothing(index_elements=["invoice_id"])
        )

    async def record_movements(self, change: OpenAmountChange, meta: EventMeta) -> bool:
        return await record_movements(self.session, ReceivableMovement, change, meta)

    async def last_open_after(self, invoice_id: uuid.UUID) -> Decimal | None:
        return await last_open_after(self.session, ReceivableMovement, invoice_id)

    async def set_open_amount(self, invoice_id: uuid.UUID, open_amount: Decimal, state: str) -> int:
        result = await self.session.execute(
            update(Receivable)
            .where(Receivable.invoice_id == invoice_id)
            .values(open_amount=open_amount, state=state)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def mark_overdue(self, invoice_id: uuid.UUID, overdue_on: date) -> int:
        result = await self.session.execute(
            update(Receivable)
            .where(Receivable.invoice_id == invoice_id)
            .values(overdue_on=overdue_on)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def move_due_date(self, invoice_id: uuid.UUID, due_date: date, as_of: date) -> int:
        """The new due date; the overdue mark goes when the new date is after `as_of`."""
        result = await self.session.execute(
            update(Receivable)
            .where(Receivable.invoice_id == invoice_id)
            .values(
                due_date=due_date,
                overdue_on=None if due_date > as_of else Receivable.overdue_on,
            )
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def page_for_customer(
        self, customer_id: uuid.UUID, page: PageRequest
    ) -> tuple[list[Receivable], str | None]:
        statement = select(Receivable).where(Receivable.customer_id == customer_id)
        rows = await self.session.scalars(RECEIVABLE_ORDER.page_query(statement, page))
        return RECEIVABLE_ORDER.page_of(rows.all(), page)

    async def movement_sums(self, customer_id: uuid.UUID) -> list[tuple[str, str, Decimal]]:
        """(currency, kind, sum) of the customer's movements."""
        result = await self.session.execute(
            select(
                ReceivableMovement.currency,
                ReceivableMovement.kind,
                func.sum(ReceivableMovement.amount),
            )
            .where(ReceivableMovement.customer_id == customer_id)
            .group_by(ReceivableMovement.currency, ReceivableMovement.kind)
        )
        return [(currency, kind, total) for currency, kind, total in result.all()]

    async def open_sums(self, customer_id: uuid.UUID) -> list[tuple[str, Decimal]]:
        """(currency, sum of open amounts) of the customer's receivables."""
        result = await self.session.execute(
            select(Receivable.currency, func.sum(Receivable.open_amount))
            .where(Receivable.customer_id == customer_id)
            .group_by(Receivable.currency)
        )
        return [(currency, total) for currency, total in result.all()]

