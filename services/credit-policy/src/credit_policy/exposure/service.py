"""Exposure from invoicing's events: each movement sets the invoice's open amount it carries.

Every movement event names the open amount after it, so the projection SETS it instead of adding
the movement: a redelivered event changes nothing, and an event older than the one applied (a
lower `movement_sequence`: invoicing's ledger order, never the producers' clocks) is ignored, by
the same rule as collections' and analytics' copies (receivables_shared.open_amounts.supersedes).
The customer's summary row is recomputed in the same transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.exposure.repository import ExposureRepository
from receivables_shared.events import InvoiceIssued

ZERO = Decimal(0)


@dataclass(frozen=True)
class CurrencyExposure:
    currency: str
    open_receivables: Decimal
    reserved: Decimal
    oldest_open_due_date: date | None

    @property
    def exposure(self) -> Decimal:
        return self.open_receivables + self.reserved


def opening_amount(event: InvoiceIssued) -> Decimal:
    """What an issued invoice adds: its total, less what was paid before an import."""
    if event.imported and event.paid_before_import is not None:
        return event.total - event.paid_before_import
    return event.total


async def invoice_issued(session: AsyncSession, event: InvoiceIssued, as_of: datetime) -> None:
    repository = ExposureRepository(session)
    await repository.set_open_amount(
        invoice_id=event.invoice_id,
        customer_id=event.customer_id,
        currency=event.currency,
        open_amount=opening_amount(event),
        as_of=as_of,
        sequence=None,
        first=True,  # the first movement: never over a figure a later one set
        due_date=event.due_date,
        order_reference=event.order_reference,
    )
    await repository.refresh_summary(event.customer_id, event.currency)


async def open_amount_changed(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    invoice_id: uuid.UUID,
    currency: str,
    open_amount: Decimal,
    as_of: datetime,
    sequence: int | None,
    first: bool = False,
    due_date: date | None = None,
    overdue_on: date | None = None,
) -> None:
    """`sequence`: the event's movement_sequence; `first`: the figure only starts a row."""
    repository = ExposureRepository(session)
    await repository.set_open_amount(
        invoice_id=invoice_id,
        customer_id=customer_id,
        currency=currency,
        open_amount=open_amount,
        as_of=as_of,
        sequence=sequence,
        first=first,
        due_date=due_date,
        overdue_on=overdue_on,
    )
    await repository.refresh_summary(customer_id, currency)


async def due_date_extended(
    session: AsyncSession,
    customer_id: uuid.UUID,
    invoice_id: uuid.UUID,
    due_date: date,
    as_of: datetime,
) -> None:
    repository = ExposureRepository(session)
    # An extension of an invoice not seen yet has no amount to carry: InvoiceIssued will
    # bring the row, and a later extension event the date.
    if await repository.set_due_date(invoice_id, due_date, as_of):
        currency = await repository.currency_of(invoice_id)
        assert currency is not None
        await repository.refresh_summary(customer_id, currency)


async def exposure_of(
    session: AsyncSession, customer_id: uuid.UUID, now: datetime
) -> list[CurrencyExposure]:
    """Per currency: open receivables from invoicing's events plus active reservations."""
    repository = ExposureRepository(session)
    summaries = {
        summary.currency: summary for summary in await repository.summaries_of(customer_id)
    }
    reserved = await repository.reserved_of(customer_id, now)
    return [
        CurrencyExposure(
            currency=currency,
            open_receivables=summaries[currency].open_amount if currency in summaries else ZERO,
            reserved=reserved.get(currency, ZERO),
            oldest_open_due_date=(
                summaries[currency].oldest_open_due_date if currency in summaries else None
            ),
        )
        for currency in sorted({*summaries, *reserved})
    ]
