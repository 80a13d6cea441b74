from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from analytics.receivables.repository import InvoiceFactRepository, projection
from analytics.receivables.schemas import CurrencyTotal, InvoicedSummary
from receivables_shared.events import InvoiceDueDateExtended, InvoiceIssued, InvoiceOverdue
from receivables_shared.events.base import Event
from receivables_shared.events.cloudevents import EventMeta
from receivables_shared.open_amounts import BooksBalance, in_minor_units


async def record_invoice(session: AsyncSession, event: InvoiceIssued, meta: EventMeta) -> None:
    row = {"amount": event.total, "issue_date": event.issue_date}
    await projection(session).issue(event, meta, row)


async def record_movement(session: AsyncSession, event: Event, meta: EventMeta) -> None:
    await projection(session).move(event, meta)


async def mark_overdue(session: AsyncSession, event: InvoiceOverdue) -> None:
    await projection(session).mark_overdue(event)


async def extend_due_date(session: AsyncSession, event: InvoiceDueDateExtended) -> None:
    await projection(session).extend_due_date(event)


async def balances(session: AsyncSession, customer_id: uuid.UUID | None) -> list[BooksBalance]:
    return await projection(session).balances(customer_id)


async def invoiced_summary(session: AsyncSession) -> InvoicedSummary:
    rows = await InvoiceFactRepository(session).totals_by_currency()
    return InvoicedSummary(
        totals=[
            CurrencyTotal(
                currency=currency, invoices=count, invoiced=in_minor_units(total, currency)
            )
            for currency, count, total in rows
        ]
    )
