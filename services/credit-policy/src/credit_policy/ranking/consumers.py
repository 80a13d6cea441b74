"""Issue dates, totals, credit notes, cancellations and payments per invoice: what revenue
and days to pay need."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.ranking.repository import RankingRepository
from receivables_shared.consumer import HandlerContext
from receivables_shared.events import (
    CreditNoteIssued,
    InvoiceCancelled,
    InvoiceIssued,
    PaymentApplied,
)


async def on_invoice_issued(
    session: AsyncSession, event: InvoiceIssued, context: HandlerContext
) -> None:
    await RankingRepository(session).store_invoice(event)


async def on_payment_applied(
    session: AsyncSession, event: PaymentApplied, context: HandlerContext
) -> None:
    await RankingRepository(session).store_payment(event)


async def on_invoice_reduced(
    session: AsyncSession, event: CreditNoteIssued | InvoiceCancelled, context: HandlerContext
) -> None:
    """A credit note or a cancellation: revenue is net of it."""
    await RankingRepository(session).store_reduction(event)
