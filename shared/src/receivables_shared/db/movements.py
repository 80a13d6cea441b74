"""The per-invoice movement table a service keeps of invoicing's open-amount events.

Each service declares its own table from `MovementColumns` (its own Base and name) and records an
event's movements with `record_movements`. A movement is keyed by the event's CloudEvents source
and id (unique per event by the CloudEvents contract) and its kind, so an event delivered twice
records nothing the second time, even after the inbox forgot its id.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Date, DateTime, Numeric, String, Uuid, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from receivables_shared.events.cloudevents import EventMeta
from receivables_shared.open_amounts import OpenAmountChange

#: Amounts keep three decimals (KWD, BHD); Numeric, never float.
MONEY = Numeric(19, 3)


class MovementColumns:
    """Columns of a movement table. The subclass adds `__tablename__` and
    `__table_args__ = (UniqueConstraint("event_source", "event_id", "kind"), Index(...))`."""

    #: Insertion order, which is the event order within a customer's partition.
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    event_source: Mapped[str] = mapped_column(String(200))
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    invoice_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    currency: Mapped[str] = mapped_column(String(3))
    #: A MovementKind.
    kind: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    #: The business date of the movement (issue date, payment date, ...).
    occurred_on: Mapped[date] = mapped_column(Date)
    open_after: Mapped[Decimal] = mapped_column(MONEY)
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


async def record_movements(
    session: AsyncSession, table: type[MovementColumns], change: OpenAmountChange, meta: EventMeta
) -> bool:
    """Insert the change's movements; False when this event's were already recorded."""
    rows = [
        {
            "event_source": meta.source,
            "event_id": meta.id,
            "invoice_id": change.invoice_id,
            "customer_id": change.customer_id,
            "currency": change.currency,
            "kind": movement.kind.value,
            "amount": movement.amount,
            "occurred_on": movement.on,
            "open_after": change.open_after,
        }
        for movement in change.movements
    ]
    model: Any = table
    inserted = await session.scalars(
        insert(model).values(rows).on_conflict_do_nothing().returning(model.id)
    )
    return bool(inserted.all())


async def last_open_after(
    session: AsyncSession, table: type[MovementColumns], invoice_id: uuid.UUID
) -> Decimal | None:
    """The open amount announced by the invoice's latest recorded movement, if any."""
    model: Any = table
    opened: Decimal | None = await session.scalar(
        select(model.open_after)
        .where(model.invoice_id == invoice_id)
        .order_by(model.id.desc())
        .limit(1)
    )
    return opened
