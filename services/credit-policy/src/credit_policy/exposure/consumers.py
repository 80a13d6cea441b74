"""Invoicing's events that move a customer's exposure (and what hangs on them: reservations
consumed by their invoice, holds released by payment)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.credit_checks import service as credit_checks
from credit_policy.exposure import service
from credit_policy.holds import service as holds
from receivables_shared.consumer import HandlerContext
from receivables_shared.events import (
    CreditNoteIssued,
    EarlyPaymentDiscountTaken,
    InvoiceCancelled,
    InvoiceDueDateExtended,
    InvoiceIssued,
    InvoiceOverdue,
    InvoiceWrittenOff,
    LateFeeCharged,
    PaymentApplied,
    PaymentReversed,
)
from receivables_shared.events.base import Event
from receivables_shared.open_amounts import change_of


async def on_invoice_issued(
    session: AsyncSession, event: InvoiceIssued, context: HandlerContext
) -> None:
    await service.invoice_issued(session, event, context.meta.time)
    if event.order_reference is not None:
        # The invoice's amount takes the reservation's place in exposure.
        await credit_checks.consume_reservations(
            session, context.clock, event.customer_id, event.order_reference
        )


MovementEvent = (
    LateFeeCharged
    | PaymentApplied
    | CreditNoteIssued
    | InvoiceWrittenOff
    | EarlyPaymentDiscountTaken
)


async def on_open_amount_changed(
    session: AsyncSession, event: MovementEvent, context: HandlerContext
) -> None:
    await _set_open_amount(session, event, context)
    if isinstance(event, PaymentApplied | CreditNoteIssued | InvoiceWrittenOff):
        await holds.release_settled(session, context.clock, event.customer_id)


async def on_invoice_cancelled(
    session: AsyncSession, event: InvoiceCancelled, context: HandlerContext
) -> None:
    await _set_open_amount(session, event, context)
    await holds.release_settled(session, context.clock, event.customer_id)


async def on_payment_reversed(
    session: AsyncSession, event: PaymentReversed, context: HandlerContext
) -> None:
    await _set_open_amount(session, event, context)


async def _set_open_amount(session: AsyncSession, event: Event, context: HandlerContext) -> None:
    """The event's open amount after it and its ledger position, read as collections and
    analytics read them (receivables_shared.open_amounts.change_of)."""
    change = change_of(event)
    if change is None:
        return  # a reversal of unapplied credit (no invoice) does not move receivables
    await service.open_amount_changed(
        session,
        customer_id=change.customer_id,
        invoice_id=change.invoice_id,
        currency=change.currency,
        open_amount=change.open_after,
        as_of=context.meta.time,
        sequence=change.sequence,
    )


async def on_invoice_overdue(
    session: AsyncSession, event: InvoiceOverdue, context: HandlerContext
) -> None:
    await service.open_amount_changed(
        session,
        customer_id=event.customer_id,
        invoice_id=event.invoice_id,
        currency=event.currency,
        # Not a movement: its open amount (as of the job's run) only starts a row that is not
        # there yet (reordering), and never replaces a figure a movement set.
        open_amount=event.open_amount,
        as_of=context.meta.time,
        sequence=None,
        first=True,
        due_date=event.due_date,
        overdue_on=event.overdue_on,
    )


async def on_invoice_due_date_extended(
    session: AsyncSession, event: InvoiceDueDateExtended, context: HandlerContext
) -> None:
    await service.due_date_extended(
        session, event.customer_id, event.invoice_id, event.due_date, context.meta.time
    )
    await holds.release_settled(session, context.clock, event.customer_id)
