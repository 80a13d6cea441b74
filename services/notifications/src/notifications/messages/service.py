from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from notifications.messages.models import OutboundMessage
from notifications.messages.repository import OutboundMessageRepository
from receivables_shared.events import InvoiceIssued

INVOICE_ISSUED = "invoice_issued"


async def queue_invoice_notice(session: AsyncSession, event: InvoiceIssued) -> None:
    OutboundMessageRepository(session).add(
        OutboundMessage(
            customer_id=event.customer_id, kind=INVOICE_ISSUED, reference_id=event.invoice_id
        )
    )


async def messages_of(session: AsyncSession, customer_id: uuid.UUID) -> Sequence[OutboundMessage]:
    return await OutboundMessageRepository(session).list_for_customer(customer_id)
