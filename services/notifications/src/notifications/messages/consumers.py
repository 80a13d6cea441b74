from sqlalchemy.ext.asyncio import AsyncSession

from notifications.messages import service
from receivables_shared.consumer import HandlerContext
from receivables_shared.events import InvoiceIssued


async def on_invoice_issued(
    session: AsyncSession, event: InvoiceIssued, context: HandlerContext
) -> None:
    await service.queue_invoice_notice(session, event)
