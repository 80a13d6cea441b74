from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from collection.receivables.models import Receivable
from collection.receivables.repository import ReceivableRepository, projection
from receivables_shared.events import InvoiceDueDateExtended, InvoiceIssued, InvoiceOverdue
from receivables_shared.events.base import Event
from receivables_shared.events.cloudevents import EventMeta
from receivables_shared.open_amounts import BooksBalance
from receivables_shared.pagination import PageRequest


async def open_receivable(session: AsyncSession, event: InvoiceIssued, meta: EventMeta) -> None:
    row = {"number": event.number, "amount_due": event.total}
    await projection(session).issue(event, meta, row)


async def apply_movement(session: AsyncSession, event: Event, meta: EventMeta) -> None:
    await projection(session).move(event, meta)


async def mark_overdue(session: AsyncSession, event: InvoiceOverdue) -> None:
    await projection(session).mark_overdue(event)


async def extend_due_date(session: AsyncSession, event: InvoiceDueDateExtended) -> None:
    """Dunning counts from the new date (the overdue mark goes while the new date is ahead)."""
    await projection(session).extend_due_date(event)


async def receivables_of(
    session: AsyncSession, customer_id: uuid.UUID, page: PageRequest
) -> tuple[list[Receivable], str | None]:
    return await ReceivableRepository(session).page_for_customer(customer_id, page)


async def balance_of(session: AsyncSession, customer_id: uuid.UUID) -> list[BooksBalance]:
    return await projection(session).balances(customer_id)
