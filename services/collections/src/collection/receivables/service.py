from __future__ import annotations

import logging
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from collection.receivables.models import Receivable
from collection.receivables.repository import ReceivableRepository
from receivables_shared.events import InvoiceDueDateExtended, InvoiceIssued, InvoiceOverdue
from receivables_shared.events.base import Event
from receivables_shared.events.cloudevents import EventMeta
from receivables_shared.open_amounts import (
    BooksBalance,
    books_balances,
    change_of,
    state_after,
)
from receivables_shared.pagination import PageRequest

log = logging.getLogger(__name__)


async def open_receivable(session: AsyncSession, event: InvoiceIssued, meta: EventMeta) -> None:
    """Record the invoice once. A movement recorded before it (its own InvoiceIssued was parked
    and replayed later) already carries invoicing's newer open amount: that one wins."""
    repository = ReceivableRepository(session)
    change = change_of(event)
    assert change is not None  # an InvoiceIssued always moves an amount
    if await repository.exists(event.invoice_id):
        return  # issued once; a second announcement of it counts nothing twice
    earlier_open = await repository.last_open_after(event.invoice_id)
    await repository.record_movements(change, meta)
    open_amount = change.open_after if earlier_open is None else earlier_open
    await repository.insert(
        Receivable(
            invoice_id=event.invoice_id,
            customer_id=event.customer_id,
            number=event.number,
            currency=event.currency,
            amount_due=event.total,
            open_amount=open_amount,
            state="open" if open_amount > 0 else "closed",
            due_date=event.due_date,
            overdue_on=None,
        )
    )


async def apply_movement(session: AsyncSession, event: Event, meta: EventMeta) -> None:
    """Record the event's movement and set the open amount to invoicing's figure after it."""
    change = change_of(event)
    if change is None:
        return  # e.g. a reversal taken back from the credit balance: no invoice moves
    repository = ReceivableRepository(session)
    if not await repository.record_movements(change, meta):
        return  # this event was already applied
    updated = await repository.set_open_amount(
        change.invoice_id, change.open_after, state_after(change)
    )
    if not updated:
        # Cannot happen in order (one topic, keyed by customer); kept for when InvoiceIssued
        # arrives (open_receivable takes the open amount from this movement).
        log.warning("movement for an invoice not seen yet", extra={"invoice": change.invoice_id})


async def mark_overdue(session: AsyncSession, event: InvoiceOverdue) -> None:
    if not await ReceivableRepository(session).mark_overdue(event.invoice_id, event.overdue_on):
        log.warning("overdue invoice not seen yet", extra={"invoice": event.invoice_id})


async def extend_due_date(session: AsyncSession, event: InvoiceDueDateExtended) -> None:
    """Dunning counts from the new date: the overdue mark goes if the new date is still ahead
    on the day of the extension (a date decided by invoicing, so a replay decides the same)."""
    moved = await ReceivableRepository(session).move_due_date(
        event.invoice_id, event.due_date, as_of=event.extended_on
    )
    if not moved:
        log.warning("due date of an invoice not seen yet", extra={"invoice": event.invoice_id})


async def receivables_of(
    session: AsyncSession, customer_id: uuid.UUID, page: PageRequest
) -> tuple[list[Receivable], str | None]:
    return await ReceivableRepository(session).page_for_customer(customer_id, page)


async def balance_of(session: AsyncSession, customer_id: uuid.UUID) -> list[BooksBalance]:
    repository = ReceivableRepository(session)
    balances = books_balances(
        await repository.movement_sums(customer_id), await repository.open_sums(customer_id)
    )
    for balance in balances:
        if not balance.balanced:
            log.warning(
                "books do not balance",
                extra={"customer": customer_id, "currency": balance.currency},
            )
    return balances
