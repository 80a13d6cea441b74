from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from notifications.messages.models import OutboundMessage
from notifications.messages.repository import OutboundMessageRepository
from receivables_shared.events import InvoiceIssued
from receivables_shared.pagination import PageRequest

INVOICE_ISSUED = "invoice_issued"


async def queue_invoice_notice(session: AsyncSession, event: InvoiceIssued) -> None:
    OutboundMessageRepository(session).add(
        OutboundMessage(
            customer_id=event.customer_id, kind=INVOICE_ISSUED, reference_id=event.invoice_id
        )
    )


async def messages_of(
    session: AsyncSession, customer_id: uuid.UUID, page: PageRequest
) -> tuple[list[OutboundMessage], str | None]:
    return await OutboundMessageRepository(session).page_for_customer(customer_id, page)
