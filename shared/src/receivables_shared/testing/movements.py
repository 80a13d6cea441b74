"""Invoicing's open-amount events for tests, and delivery through a service's own handlers.

Each factory takes the InvoiceIssued it follows and the open amount invoicing would announce
after it, so a test reads like the invoice's history.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from receivables_shared.clock import Clock
from receivables_shared.events import (
    CreditNoteIssued,
    EarlyPaymentDiscountTaken,
    Event,
    InvoiceCancelled,
    InvoiceDueDateExtended,
    InvoiceIssued,
    InvoiceOverdue,
    InvoiceWrittenOff,
    LateFeeCharged,
    PaymentApplied,
    PaymentReversed,
)
from receivables_shared.events.cloudevents import EventMeta
from receivables_shared.service import ServiceDefinition
from receivables_shared.testing.events import handler_context


def imported_invoice(
    customer_id: uuid.UUID, *, total: str, paid_before_import: str, currency: str = "EUR"
) -> InvoiceIssued:
    return InvoiceIssued(
        customer_id=customer_id,
        invoice_id=uuid.uuid4(),
        number="OLD-2025-000042",
        currency=currency,
        total=Decimal(total),
        issue_date=date(2025, 12, 1),
        due_date=date(2025, 12, 31),
        imported=True,
        paid_before_import=Decimal(paid_before_import),
    )


def late_fee(
    issued: InvoiceIssued, amount: str, *, open_amount: str, on: date = date(2026, 4, 15)
) -> LateFeeCharged:
    return LateFeeCharged(
        customer_id=issued.customer_id,
        fee_id=uuid.uuid4(),
        invoice_id=issued.invoice_id,
        currency=issued.currency,
        amount=Decimal(amount),
        kind="fee",
        charged_on=on,
        open_amount=Decimal(open_amount),
    )


def payment_applied(
    issued: InvoiceIssued,
    amount: str,
    *,
    open_amount: str,
    on: date = date(2026, 4, 20),
    payment_id: uuid.UUID | None = None,
) -> PaymentApplied:
    return PaymentApplied(
        customer_id=issued.customer_id,
        payment_id=payment_id or uuid.uuid4(),
        invoice_id=issued.invoice_id,
        currency=issued.currency,
        amount=Decimal(amount),
        applied_on=on,
        open_amount=Decimal(open_amount),
        days_late=(on - issued.due_date).days,
    )


def payment_reversed(
    applied: PaymentApplied,
    *,
    open_amount: str,
    on: date = date(2026, 4, 25),
    discount: str | None = None,
) -> PaymentReversed:
    """The reversal of `applied`; with `discount`, of the discount it had earned too."""
    return PaymentReversed(
        customer_id=applied.customer_id,
        payment_id=applied.payment_id,
        invoice_id=applied.invoice_id,
        currency=applied.currency,
        amount=applied.amount + Decimal(discount or 0),
        reversed_on=on,
        open_amount=Decimal(open_amount),
        discount=Decimal(discount) if discount else None,
    )


def credit_note(
    issued: InvoiceIssued, amount: str, *, open_amount: str, on: date = date(2026, 3, 10)
) -> CreditNoteIssued:
    return CreditNoteIssued(
        customer_id=issued.customer_id,
        credit_note_id=uuid.uuid4(),
        invoice_id=issued.invoice_id,
        number="CN-2026-000001",
        currency=issued.currency,
        amount=Decimal(amount),
        issued_on=on,
        reason="damaged pallets",
        open_amount=Decimal(open_amount),
    )


def written_off(
    issued: InvoiceIssued, amount: str, *, open_amount: str, on: date = date(2026, 9, 30)
) -> InvoiceWrittenOff:
    return InvoiceWrittenOff(
        customer_id=issued.customer_id,
        write_off_id=uuid.uuid4(),
        invoice_id=issued.invoice_id,
        currency=issued.currency,
        amount=Decimal(amount),
        written_off_on=on,
        reason="insolvent",
        approver="cfo",
        open_amount=Decimal(open_amount),
    )


def discount_taken(
    issued: InvoiceIssued, amount: str, *, open_amount: str = "0", on: date = date(2026, 3, 9)
) -> EarlyPaymentDiscountTaken:
    return EarlyPaymentDiscountTaken(
        customer_id=issued.customer_id,
        invoice_id=issued.invoice_id,
        currency=issued.currency,
        amount=Decimal(amount),
        taken_on=on,
        open_amount=Decimal(open_amount),
    )


def cancelled(
    issued: InvoiceIssued, amount: str, *, on: date = date(2026, 3, 3)
) -> InvoiceCancelled:
    return InvoiceCancelled(
        customer_id=issued.customer_id,
        invoice_id=issued.invoice_id,
        currency=issued.currency,
        amount=Decimal(amount),
        cancelled_on=on,
        reason="issued in error",
    )


def overdue(issued: InvoiceIssued, *, overdue_on: date, open_amount: str) -> InvoiceOverdue:
    return InvoiceOverdue(
        customer_id=issued.customer_id,
        invoice_id=issued.invoice_id,
        number=issued.number,
        currency=issued.currency,
        due_date=issued.due_date,
        overdue_on=overdue_on,
        open_amount=Decimal(open_amount),
    )


def due_date_extended(
    issued: InvoiceIssued, *, due_date: date, extended_on: date, previous: date | None = None
) -> InvoiceDueDateExtended:
    return InvoiceDueDateExtended(
        customer_id=issued.customer_id,
        invoice_id=issued.invoice_id,
        previous_due_date=previous or issued.due_date,
        due_date=due_date,
        reason="payment plan",
        extended_on=extended_on,
    )


@dataclass(frozen=True)
class History:
    """A customer's events in the order invoicing publishes them, and the books they make."""

    customer_id: uuid.UUID
    events: tuple[Event, ...]
    #: Per currency: invoiced, fees, credited, written_off, paid, discount, cancelled, open.
    books: dict[str, dict[str, str]]


def realistic_history(customer_id: uuid.UUID | None = None) -> History:
    """Six EUR invoices (one imported, partly paid before) and one KWD invoice through every
    kind of movement, a payment reversal included, in an order invoicing could publish."""
    customer = customer_id or uuid.uuid4()

    def invoice(number: int, total: str, currency: str = "EUR") -> InvoiceIssued:
        return InvoiceIssued(
            customer_id=customer,
            invoice_id=uuid.uuid4(),
            number=f"INV-2026-{number:06d}",
            currency=currency,
            total=Decimal(total),
            issue_date=date(2026, 3, 2),
            due_date=date(2026, 4, 1),
        )

    paid = invoice(1, "1200.50")  # overdue, a fee, then paid in full
    partly = invoice(2, "800.00")  # credited, paid, the payment reversed, paid again in part
    bad = invoice(3, "300.00")  # interest, then written off
    discounted = invoice(4, "100.00")  # paid inside the discount window
    wrong = invoice(5, "55.55")  # cancelled
    kuwait = invoice(6, "10.125", currency="KWD")  # three decimals, paid in part
    old = imported_invoice(customer, total="500.00", paid_before_import="200.00")
    first_payment = payment_applied(partly, "500.00", open_amount="200.00")
    events: tuple[Event, ...] = (
        old,
        paid,
        partly,
        bad,
        discounted,
        wrong,
        kuwait,
        cancelled(wrong, "55.55"),
        payment_applied(discounted, "98.00", open_amount="2.00", on=date(2026, 3, 9)),
        discount_taken(discounted, "2.00", open_amount="0"),
        credit_note(partly, "100.00", open_amount="700.00"),
        first_payment,
        overdue(paid, overdue_on=date(2026, 4, 2), open_amount="1200.50"),
        late_fee(paid, "40.00", open_amount="1240.50"),
        payment_applied(paid, "1240.50", open_amount="0"),
        payment_reversed(first_payment, open_amount="700.00"),
        payment_applied(partly, "650.00", open_amount="50.00"),
        payment_applied(kuwait, "5.062", open_amount="5.063"),
        late_fee(bad, "12.34", open_amount="312.34"),
        written_off(bad, "312.34", open_amount="0"),
    )
    books = {
        "EUR": {
            "invoiced": "2956.05",
            "fees": "52.34",
            "credited": "100.00",
            "written_off": "312.34",
            "paid": "2188.50",
            "discount": "2.00",
            "cancelled": "55.55",
            "open": "350.00",
        },
        "KWD": {
            "invoiced": "10.125",
            "fees": "0.000",
            "credited": "0.000",
            "written_off": "0.000",
            "paid": "5.062",
            "discount": "0.000",
            "cancelled": "0.000",
            "open": "5.063",
        },
    }
    return History(customer, events, books)


def reversed_discount_history(customer_id: uuid.UUID | None = None) -> History:
    """An invoice of 100.00 paid with 98.00 inside its discount window (2.00 discount), then
    the payment reversed by the bank: the discount is open again with the cash."""
    customer = customer_id or uuid.uuid4()
    issued = InvoiceIssued(
        customer_id=customer,
        invoice_id=uuid.uuid4(),
        number="INV-2026-000077",
        currency="EUR",
        total=Decimal("100.00"),
        issue_date=date(2026, 3, 2),
        due_date=date(2026, 4, 1),
    )
    applied = payment_applied(issued, "98.00", open_amount="2.00", on=date(2026, 3, 9))
    events: tuple[Event, ...] = (
        issued,
        applied,
        discount_taken(issued, "2.00", open_amount="0"),
        payment_reversed(applied, open_amount="100.00", discount="2.00", on=date(2026, 3, 12)),
    )
    nothing = "0.00"
    books = {
        "EUR": {
            "invoiced": "100.00",
            "fees": nothing,
            "credited": nothing,
            "written_off": nothing,
            "paid": nothing,
            "discount": nothing,
            "cancelled": nothing,
            "open": "100.00",
        }
    }
    return History(customer, events, books)


async def deliver(
    definition: ServiceDefinition,
    session: AsyncSession,
    clock: Clock,
    event: Event,
    *,
    meta: EventMeta | None = None,
) -> EventMeta:
    """Run the service's own handler for the event, as its consumer would, and flush.

    Returns the event's metadata, so a test can deliver the very same event again."""
    context = handler_context(clock, type(event))
    if meta is not None:
        context = type(context)(meta=meta, clock=clock)
    await definition.handlers[type(event)](session, event, context)
    await session.flush()  # what the consumer's unit of work does before it commits
    return context.meta
