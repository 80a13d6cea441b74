from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from analytics.receivables.models import InvoiceFact
from analytics.receivables.repository import InvoiceFactRepository
from analytics.receivables.schemas import CurrencyTotal, InvoicedSummary
from receivables_shared.events import InvoiceIssued


async def record_invoice(session: AsyncSession, event: InvoiceIssued) -> None:
    InvoiceFactRepository(session).add(
        InvoiceFact(
            invoice_id=event.invoice_id,
            customer_id=event.customer_id,
            currency=event.currency,
            amount=event.total,
            issue_date=event.issue_date,
            due_date=event.due_date,
        )
    )


async def invoiced_summary(session: AsyncSession) -> InvoicedSummary:
    rows = await InvoiceFactRepository(session).totals_by_currency()
    return InvoicedSummary(
        totals=[
            CurrencyTotal(currency=currency, invoices=count, invoiced=total)
            for currency, count, total in rows
        ]
    )
