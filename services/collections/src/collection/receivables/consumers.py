from sqlalchemy.ext.asyncio import AsyncSession

from collection.receivables import service
from receivables_shared.consumer import HandlerContext
from receivables_shared.events import InvoiceIssued


async def on_invoice_issued(
    session: AsyncSession, event: InvoiceIssued, context: HandlerContext
) -> None:
    await service.open_receivable(session, event)
