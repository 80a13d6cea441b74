import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.receivables.consumers import on_invoice_issued
from analytics.receivables.models import InvoiceFact
from receivables_shared.clock import ManualClock
from receivables_shared.testing.events import create_invoice_issued, handler_context


async def test_invoice_issued_records_an_invoice_fact(
    session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = uuid.uuid4()
    event = create_invoice_issued(customer_id, currency="BGN")

    await on_invoice_issued(session, event, handler_context(clock))

    facts = (await session.scalars(select(InvoiceFact))).all()
    assert [
        (f.invoice_id, f.customer_id, f.currency, f.amount, f.issue_date, f.due_date) for f in facts
    ] == [
        (
            event.invoice_id,
            customer_id,
            "BGN",
            Decimal("1200.50"),
            date(2026, 3, 2),
            date(2026, 4, 1),
        )
    ]
