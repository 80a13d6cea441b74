from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from collection.receivables.models import Receivable
from collection.receivables.repository import ReceivableRepository
from receivables_shared.events import InvoiceIssued
from receivables_shared.pagination import PageRequest


async def open_receivable(session: AsyncSession, event: InvoiceIssued) -> None:
    ReceivableRepository(session).add(
        Receivable(
            invoice_id=event.invoice_id,
            customer_id=event.customer_id,
            number=event.number,
            currency=event.currency,
            amount_due=event.total,
            due_date=event.due_date,
        )
    )


async def receivables_of(
    session: AsyncSession, customer_id: uuid.UUID, page: PageRequest
) -> tuple[list[Receivable], str | None]:
    return await ReceivableRepository(session).page_for_customer(customer_id, page)
