"""Exposure is kept from invoicing's events, handed to the handlers as the consumer does."""

import uuid
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.exposure.consumers import (
    on_invoice_cancelled,
    on_invoice_due_date_extended,
    on_invoice_issued,
    on_invoice_overdue,
    on_open_amount_changed,
    on_payment_reversed,
)
from credit_policy.exposure.repository import ExposureRepository
from receivables_shared.clock import ManualClock
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
from receivables_shared.testing.events import create_invoice_issued, handler_context

DUE = date(2026, 4, 1)


async def exposure_of(session: AsyncSession, customer_id: uuid.UUID) -> dict[str, Decimal]:
    summaries = await ExposureRepository(session).summaries_of(customer_id)
    return {summary.currency: summary.open_amount for summary in summaries}


async def oldest_due(session: AsyncSession, customer_id: uuid.UUID) -> date | None:
    (summary,) = await ExposureRepository(session).summaries_of(customer_id)
    return summary.oldest_open_due_date


async def issue(
    session: AsyncSession, clock: ManualClock, customer_id: uuid.UUID, total: str
) -> InvoiceIssued:
    event = create_invoice_issued(customer_id, total=total, due_date=DUE)
    await on_invoice_issued(session, event, handler_context(clock, InvoiceIssued))
    return event


def payment(
    invoice: InvoiceIssued, amount: str, open_amount: str, sequence: int | None = None
) -> PaymentApplied:
    return PaymentApplied(
        customer_id=invoice.customer_id,
        payment_id=uuid.uuid4(),
        invoice_id=invoice.invoice_id,
        currency=invoice.currency,
        amount=Decimal(amount),
        applied_on=date(2026, 3, 10),
        open_amount=Decimal(open_amount),
        days_late=0,
        movement_sequence=sequence,
    )


async def test_issued_invoices_add_up_per_customer_and_currency(
    session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = uuid.uuid4()
    await issue(session, clock, customer_id, "1200.50")
    await issue(session, clock, customer_id, "99.50")
    usd = create_invoice_issued(customer_id, total="10.00", currency="USD")
    await on_invoice_issued(session, usd, handler_context(clock, InvoiceIssued))

    assert await exposure_of(session, customer_id) == {
        "EUR": Decimal("1300.00"),
        "USD": Decimal("10.00"),
    }


async def test_imported_invoice_counts_what_was_not_paid_before_import(
    session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = uuid.uuid4()
    event = create_invoice_issued(customer_id, total="1000.00").model_copy(
        update={"imported": True, "paid_before_import": Decimal("400.00")}
    )

    await on_invoice_issued(session, event, handler_context(clock, InvoiceIssued))

    assert await exposure_of(session, customer_id) == {"EUR": Decimal("600.00")}


async def test_every_movement_sets_the_open_amount_it_carries(
    session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = uuid.uuid4()
    invoice = await issue(session, clock, customer_id, "1000.00")
    common = {
        "customer_id": customer_id,
        "invoice_id": invoice.invoice_id,
        "currency": "EUR",
    }
    movements: list[tuple[Event, str]] = [
        (
            LateFeeCharged(
                **common,
                fee_id=uuid.uuid4(),
                amount=Decimal("20.00"),
                kind="fee",
                charged_on=date(2026, 4, 10),
                open_amount=Decimal("1020.00"),
            ),
            "1020.00",
        ),
        (payment(invoice, "500.00", "520.00"), "520.00"),
        (
            CreditNoteIssued(
                **common,
                credit_note_id=uuid.uuid4(),
                number="CN-1",
                amount=Decimal("100.00"),
                issued_on=date(2026, 4, 11),
                reason="damaged",
                open_amount=Decimal("420.00"),
            ),
            "420.00",
        ),
        (
            PaymentReversed(
                customer_id=customer_id,
                payment_id=uuid.uuid4(),
                invoice_id=invoice.invoice_id,
                currency="EUR",
                amount=Decimal("500.00"),
                reversed_on=date(2026, 4, 12),
                open_amount=Decimal("920.00"),
            ),
            "920.00",
        ),
        (
            InvoiceWrittenOff(
                **common,
                write_off_id=uuid.uuid4(),
                amount=Decimal("20.00"),
                written_off_on=date(2026, 4, 13),
                reason="fee waived",
                approver="cfo",
                open_amount=Decimal("900.00"),
            ),
            "900.00",
        ),
        (
            EarlyPaymentDiscountTaken(
                **common,
                amount=Decimal("900.00"),
                taken_on=date(2026, 4, 14),
                open_amount=Decimal("0.00"),
            ),
            "0.00",
        ),
    ]
    for event, expected in movements:
        clock.advance(timedelta(minutes=1))
        context = handler_context(clock, type(event))
        if isinstance(event, PaymentReversed):
            await on_payment_reversed(session, event, context)
        else:
            await on_open_amount_changed(session, event, context)  # type: ignore[arg-type]
        assert await exposure_of(session, customer_id) == {"EUR": Decimal(expected)}, event


async def test_a_redelivered_payment_does_not_count_twice(
    session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = uuid.uuid4()
    invoice = await issue(session, clock, customer_id, "1000.00")
    event = payment(invoice, "300.00", "700.00")
    clock.advance(timedelta(minutes=1))
    context = handler_context(clock, PaymentApplied)

    await on_open_amount_changed(session, event, context)
    await on_open_amount_changed(session, event, context)

    assert await exposure_of(session, customer_id) == {"EUR": Decimal("700.00")}


async def test_an_older_event_arriving_late_is_ignored(
    session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = uuid.uuid4()
    invoice = await issue(session, clock, customer_id, "1000.00")
    first, second = (
        payment(invoice, "300.00", "700.00", 11),
        payment(invoice, "500.00", "200.00", 12),
    )
    await on_open_amount_changed(session, second, handler_context(clock, PaymentApplied))
    clock.advance(timedelta(minutes=1))

    # The first payment replayed (a rebalance) after the second: its event time is even later.
    await on_open_amount_changed(session, first, handler_context(clock, PaymentApplied))

    assert await exposure_of(session, customer_id) == {"EUR": Decimal("200.00")}


async def test_a_later_movement_applies_even_when_its_producers_clock_is_behind(
    session: AsyncSession, clock: ManualClock
) -> None:
    """Two invoicing replicas whose clocks disagree: the ledger's order decides, not ce_time."""
    customer_id = uuid.uuid4()
    invoice = await issue(session, clock, customer_id, "1000.00")
    behind = handler_context(clock, PaymentApplied)
    clock.advance(timedelta(minutes=1))
    await on_open_amount_changed(
        session, payment(invoice, "300.00", "700.00", 11), handler_context(clock, PaymentApplied)
    )

    await on_open_amount_changed(session, payment(invoice, "500.00", "200.00", 12), behind)

    assert await exposure_of(session, customer_id) == {"EUR": Decimal("200.00")}


async def test_an_invoice_issued_replayed_after_a_payment_does_not_reopen_it(
    session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = uuid.uuid4()
    invoice = await issue(session, clock, customer_id, "1000.00")
    await on_open_amount_changed(
        session, payment(invoice, "1000.00", "0.00", 11), handler_context(clock, PaymentApplied)
    )
    clock.advance(timedelta(minutes=1))

    await on_invoice_issued(session, invoice, handler_context(clock, InvoiceIssued))

    assert await exposure_of(session, customer_id) == {"EUR": Decimal("0.00")}


async def test_a_payment_before_its_invoice_keeps_the_amount_and_gets_the_due_date_later(
    session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = uuid.uuid4()
    invoice = create_invoice_issued(customer_id, total="1000.00", due_date=DUE)
    issued_context = handler_context(clock, InvoiceIssued)
    clock.advance(timedelta(minutes=1))

    await on_open_amount_changed(
        session, payment(invoice, "400.00", "600.00"), handler_context(clock, PaymentApplied)
    )
    await on_invoice_issued(session, invoice, issued_context)

    assert await exposure_of(session, customer_id) == {"EUR": Decimal("600.00")}
    assert await oldest_due(session, customer_id) == DUE


async def test_cancelled_invoice_leaves_exposure(session: AsyncSession, clock: ManualClock) -> None:
    customer_id = uuid.uuid4()
    invoice = await issue(session, clock, customer_id, "1000.00")
    await issue(session, clock, customer_id, "50.00")
    clock.advance(timedelta(minutes=1))

    await on_invoice_cancelled(
        session,
        InvoiceCancelled(
            customer_id=customer_id,
            invoice_id=invoice.invoice_id,
            currency="EUR",
            amount=Decimal("1000.00"),
            cancelled_on=date(2026, 3, 3),
            reason="issued in error",
        ),
        handler_context(clock, InvoiceCancelled),
    )

    assert await exposure_of(session, customer_id) == {"EUR": Decimal("50.00")}


async def test_due_date_extension_moves_the_oldest_due_date(
    session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = uuid.uuid4()
    invoice = await issue(session, clock, customer_id, "1000.00")
    clock.advance(timedelta(minutes=1))

    await on_invoice_due_date_extended(
        session,
        InvoiceDueDateExtended(
            customer_id=customer_id,
            invoice_id=invoice.invoice_id,
            previous_due_date=DUE,
            due_date=date(2026, 5, 1),
            reason="payment plan",
            extended_on=date(2026, 3, 20),
        ),
        handler_context(clock, InvoiceDueDateExtended),
    )

    assert await oldest_due(session, customer_id) == date(2026, 5, 1)


async def test_paid_invoices_leave_the_oldest_due_date(
    session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = uuid.uuid4()
    old = create_invoice_issued(customer_id, total="10.00", due_date=date(2026, 3, 15))
    await on_invoice_issued(session, old, handler_context(clock, InvoiceIssued))
    await issue(session, clock, customer_id, "20.00")
    assert await oldest_due(session, customer_id) == date(2026, 3, 15)
    clock.advance(timedelta(minutes=1))

    await on_open_amount_changed(
        session, payment(old, "10.00", "0.00"), handler_context(clock, PaymentApplied)
    )

    assert await oldest_due(session, customer_id) == DUE
    assert await exposure_of(session, customer_id) == {"EUR": Decimal("20.00")}


async def test_invoice_overdue_marks_the_invoice_but_never_sets_an_amount_over_a_movement(
    session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = uuid.uuid4()
    invoice = await issue(session, clock, customer_id, "1000.00")
    await on_open_amount_changed(
        session, payment(invoice, "200.00", "800.00", 11), handler_context(clock, PaymentApplied)
    )
    clock.advance(timedelta(minutes=1))

    # Replayed from before the payment: the job announced 1000.00 open then.
    await on_invoice_overdue(
        session,
        InvoiceOverdue(
            customer_id=customer_id,
            invoice_id=invoice.invoice_id,
            number=invoice.number,
            currency="EUR",
            due_date=DUE,
            overdue_on=date(2026, 4, 2),
            open_amount=Decimal("1000.00"),
        ),
        handler_context(clock, InvoiceOverdue),
    )

    (row,) = await ExposureRepository(session).invoices_of(customer_id)
    assert (row.open_amount, row.overdue_on) == (Decimal("800.00"), date(2026, 4, 2))
