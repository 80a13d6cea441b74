from sqlalchemy.ext.asyncio import AsyncSession

from analytics.receivables import service
from receivables_shared.consumer import HandlerContext
from receivables_shared.events import InvoiceDueDateExtended, InvoiceIssued, InvoiceOverdue
from receivables_shared.events.base import Event


async def on_invoice_issued(
    session: AsyncSession, event: InvoiceIssued, context: HandlerContext
) -> None:
    await service.record_invoice(session, event, context.meta)


async def on_open_amount_moved(
    session: AsyncSession, event: Event, context: HandlerContext
) -> None:
    """LateFeeCharged, PaymentApplied, PaymentReversed, CreditNoteIssued, InvoiceWrittenOff,
    EarlyPaymentDiscountTaken, InvoiceCancelled."""
    await service.record_movement(session, event, context.meta)


async def on_invoice_overdue(
    session: AsyncSession, event: InvoiceOverdue, context: HandlerContext
) -> None:
    await service.mark_overdue(session, event)


async def on_invoice_due_date_extended(
    session: AsyncSession, event: InvoiceDueDateExtended, context: HandlerContext
) -> None:
    await service.extend_due_date(session, event)
