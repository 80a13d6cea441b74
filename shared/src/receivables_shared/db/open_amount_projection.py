"""A service's copy of invoicing's open amounts: the same tables' columns and the same SQL in
collections and analytics, each with its own tables (docs/receivables-projections.md).

- the invoice row (`OpenAmountColumns` plus `invoice_id`, `customer_id`, `currency`,
  `due_date`): the open amount is SET from the figure each event announces, never summed here;
- the movement table (`MovementColumns`): one row per event and kind, keyed by the event's
  CloudEvents source and id (unique per event by the CloudEvents contract), so an event
  delivered twice records nothing the second time, even after the inbox forgot its id.

Events come in order: one topic (invoicing.events), keyed by customer; but a redelivery after a
rebalance or a dead-letter replay can bring an older event after a newer one. The open amount
follows `receivables_shared.open_amounts.supersedes` (the ledger's movement sequence, not
arrival, decides): the row keeps the highest sequence applied (`open_amount_sequence`). A
movement for an invoice not seen yet (its InvoiceIssued was dead-lettered and is replayed later)
is still recorded; the InvoiceIssued then takes its open amount from the latest such movement
(highest sequence; arrival order among movements without one).
"""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Date,
    DateTime,
    Numeric,
    String,
    Uuid,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy import update as sql_update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from receivables_shared.events import InvoiceDueDateExtended, InvoiceIssued, InvoiceOverdue
from receivables_shared.events.base import Event
from receivables_shared.events.cloudevents import EventMeta
from receivables_shared.open_amounts import (
    BooksBalance,
    MovementKind,
    OpenAmountChange,
    books_balances,
    change_of,
    state_after,
    state_of,
)

log = logging.getLogger(__name__)

#: Amounts keep three decimals (KWD, BHD); Numeric, never float.
MONEY = Numeric(19, 3)


class OpenAmountColumns:
    """Columns an invoice row adds to follow its open amount."""

    #: What is still owed, as invoicing last announced it.
    open_amount: Mapped[Decimal] = mapped_column(MONEY)
    #: "open", "closed" (nothing owed) or "cancelled".
    state: Mapped[str] = mapped_column(String(16))
    #: Set by InvoiceOverdue; cleared when the due date moves past the day of the extension.
    overdue_on: Mapped[date | None] = mapped_column(Date)
    #: The highest movement_sequence applied to open_amount (None: none carried one yet).
    open_amount_sequence: Mapped[int | None] = mapped_column(BigInteger)


def supersedes_clause(applied: Any, sequence: int | None) -> ColumnElement[bool]:
    """`open_amounts.supersedes(sequence, applied)` as SQL on the stored `applied` column, for
    the WHERE of the UPDATE (or ON CONFLICT) that sets the figure: the check and the write are
    one statement, so no concurrent consumer slips in between."""
    if sequence is None:
        return true()
    return or_(applied.is_(None), applied < sequence)


def applied_after(applied: Any, sequence: int | None) -> Any:
    """The sequence a row keeps after applying one at `sequence`: the highest (GREATEST skips
    NULL), so a figure taken in arrival order never lowers it."""
    return applied if sequence is None else func.greatest(applied, sequence)


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
    #: The event's movement_sequence (None when it carried none).
    sequence: Mapped[int | None] = mapped_column(BigInteger)
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class OpenAmountProjection:
    """Applies invoicing's events to one service's invoice and movement tables. Never commits."""

    def __init__(self, session: AsyncSession, invoices: type[Any], movements: type[Any]) -> None:
        self.session = session
        self.invoices = invoices
        self.movements = movements

    async def issue(self, event: InvoiceIssued, meta: EventMeta, row: dict[str, Any]) -> None:
        """Insert the invoice row (`row`: the service's own columns) once, with its movements."""
        change = change_of(event)
        assert change is not None  # an InvoiceIssued always moves an amount
        if await self._exists(event.invoice_id):
            return  # issued once; a second announcement of it counts nothing twice
        earlier = await self._latest_movement(event.invoice_id)
        await self._record(change, meta)
        open_amount, state, sequence = earlier or (change.open_after, state_after(change), None)
        values = {
            **row,
            "invoice_id": event.invoice_id,
            "customer_id": event.customer_id,
            "currency": event.currency,
            "due_date": event.due_date,
            "open_amount": open_amount,
            "state": state,
            "overdue_on": None,
            "open_amount_sequence": sequence,
        }
        await self.session.execute(
            insert(self.invoices)
            .values(values)
            .on_conflict_do_nothing(index_elements=["invoice_id"])
        )

    async def move(self, event: Event, meta: EventMeta) -> None:
        """Record the event's movement and set the open amount to invoicing's figure after it."""
        change = change_of(event)
        if change is None:
            return  # e.g. a reversal taken back from the credit balance: no invoice moves
        if not await self._record(change, meta):
            return  # this event was already applied
        invoices = self.invoices
        applied = await self.session.execute(
            sql_update(invoices)
            .where(
                invoices.invoice_id == change.invoice_id,
                supersedes_clause(invoices.open_amount_sequence, change.sequence),
            )
            .values(
                open_amount=change.open_after,
                state=state_after(change),
                open_amount_sequence=applied_after(invoices.open_amount_sequence, change.sequence),
            )
        )
        if applied.rowcount:  # type: ignore[attr-defined]
            return
        if await self._exists(change.invoice_id):
            # Older than the figure kept: its movement counts in the books, its figure is stale.
            log.info(
                "older movement kept, open amount unchanged", extra={"invoice": change.invoice_id}
            )
        else:
            log.warning("movement of an invoice not seen yet", extra={"invoice": change.invoice_id})

    async def mark_overdue(self, event: InvoiceOverdue) -> None:
        if not await self._update(event.invoice_id, overdue_on=event.overdue_on):
            log.warning("overdue invoice not seen yet", extra={"invoice": event.invoice_id})

    async def extend_due_date(self, event: InvoiceDueDateExtended) -> None:
        """The count restarts from the new date: the overdue mark goes if the new date is ahead
        on the day of the extension (invoicing's date, so a replay decides the same)."""
        invoices = self.invoices
        overdue_on = None if event.due_date > event.extended_on else invoices.overdue_on
        if not await self._update(event.invoice_id, due_date=event.due_date, overdue_on=overdue_on):
            log.warning("extension of an invoice not seen yet", extra={"invoice": event.invoice_id})

    async def balances(self, customer_id: uuid.UUID | None = None) -> list[BooksBalance]:
        """The books per currency, of one customer or of all."""
        movements, invoices = self.movements, self.invoices
        sums = select(movements.currency, movements.kind, func.sum(movements.amount)).group_by(
            movements.currency, movements.kind
        )
        opens = select(invoices.currency, func.sum(invoices.open_amount)).group_by(
            invoices.currency
        )
        if customer_id is not None:
            sums = sums.where(movements.customer_id == customer_id)
            opens = opens.where(invoices.customer_id == customer_id)
        balances = books_balances(
            [(c, k, s) for c, k, s in (await self.session.execute(sums)).all()],
            [(c, s) for c, s in (await self.session.execute(opens)).all()],
        )
        for balance in balances:
            if not balance.balanced:
                log.warning(
                    "books do not balance",
                    extra={"customer": customer_id, "currency": balance.currency},
                )
        return balances

    async def _exists(self, invoice_id: uuid.UUID) -> bool:
        found = await self.session.scalar(
            select(literal(True)).where(self.invoices.invoice_id == invoice_id)
        )
        return bool(found)

    async def _update(self, invoice_id: uuid.UUID, **values: Any) -> bool:
        result = await self.session.execute(
            sql_update(self.invoices).where(self.invoices.invoice_id == invoice_id).values(values)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def _record(self, change: OpenAmountChange, meta: EventMeta) -> bool:
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
                "sequence": change.sequence,
            }
            for movement in change.movements
        ]
        inserted = await self.session.scalars(
            insert(self.movements)
            .values(rows)
            .on_conflict_do_nothing()
            .returning(self.movements.id)
        )
        return bool(inserted.all())

    async def _latest_movement(
        self, invoice_id: uuid.UUID
    ) -> tuple[Decimal, str, int | None] | None:
        """The open amount, state and sequence after the invoice's latest recorded movement:
        the highest sequence, else (none has one) the last to arrive."""
        movements = self.movements
        latest = (
            await self.session.execute(
                select(movements.open_after, movements.kind, movements.sequence)
                .where(movements.invoice_id == invoice_id)
                .order_by(movements.sequence.desc().nulls_last(), movements.id.desc())
                .limit(1)
            )
        ).first()
        if latest is None:
            return None
        open_after, kind, sequence = latest
        state = state_of(open_after, cancelled=kind == MovementKind.CANCELLED)
        return open_after, state, sequence
