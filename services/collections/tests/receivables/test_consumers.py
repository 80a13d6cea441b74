import uuid
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from collection.definition import SERVICE
from collection.receivables.models import Receivable, ReceivableMovement
from receivables_shared.clock import ManualClock
from receivables_shared.events import Event, InvoiceIssued, PaymentReversed
from receivables_shared.testing.events import create_invoice_issued
from receivables_shared.testing.movements import (
    cancelled,
    credit_note,
    deliver,
    discount_taken,
    due_date_extended,
    imported_invoice,
    late_fee,
    overdue,
    payment_applied,
    payment_reversed,
    realistic_history,
    written_off,
)


async def receivable(session: AsyncSession, invoice_id: uuid.UUID) -> Receivable:
    session.expunge_all()  # read back from the database
    found = await session.get(Receivable, invoice_id)
    assert found is not None
    return found


async def movements(session: AsyncSession, invoice_id: uuid.UUID) -> list[tuple[str, Decimal]]:
    rows = await session.execute(
        select(ReceivableMovement.kind, ReceivableMovement.amount)
        .where(ReceivableMovement.invoice_id == invoice_id)
        .order_by(ReceivableMovement.id)
    )
    return [(kind, amount) for kind, amount in rows.all()]


async def test_invoice_issued_opens_a_receivable_for_the_total(
    session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = uuid.uuid4()
    event = create_invoice_issued(customer_id, total="1200.50", currency="BGN")

    await deliver(SERVICE, session, clock, event)

    session.expunge_all()
    receivables = (await session.scalars(select(Receivable))).all()
    assert [
        (r.invoice_id, r.customer_id, r.number, r.currency, r.amount_due, r.open_amount, r.state)
        for r in receivables
    ] == [
        (event.invoice_id, customer_id, "INV-2026-000001", "BGN", Decimal("1200.50"),
         Decimal("1200.50"), "open"),
    ]  # fmt: skip
    assert receivables[0].due_date == date(2026, 4, 1)
    assert await movements(session, event.invoice_id) == [("invoiced", Decimal("1200.50"))]


async def test_an_imported_invoice_is_open_for_what_was_not_paid_before(
    session: AsyncSession, clock: ManualClock
) -> None:
    event = imported_invoice(uuid.uuid4(), total="500.00", paid_before_import="199.99")

    await deliver(SERVICE, session, clock, event)

    assert (await receivable(session, event.invoice_id)).open_amount == Decimal("300.01")
    assert await movements(session, event.invoice_id) == [
        ("invoiced", Decimal("500.00")),
        ("paid", Decimal("199.99")),
    ]


def after(issued: InvoiceIssued) -> list[tuple[Event, str, str, str]]:
    """(event, movement kind, movement amount, state after) for each movement of an invoice
    of 100.00 that had a fee of 10.00 first (open 110.00)."""
    applied = payment_applied(issued, "60.00", open_amount="50.00")
    return [
        (payment_applied(issued, "110.00", open_amount="0"), "paid", "110.00", "closed"),
        (applied, "paid", "60.00", "open"),
        (payment_reversed(applied, open_amount="110.00"), "paid", "-60.00", "open"),
        (credit_note(issued, "30.00", open_amount="80.00"), "credited", "30.00", "open"),
        (written_off(issued, "110.00", open_amount="0"), "written_off", "110.00", "closed"),
        (discount_taken(issued, "2.20", open_amount="107.80"), "discount", "2.20", "open"),
        (cancelled(issued, "110.00"), "cancelled", "110.00", "cancelled"),
    ]


@pytest.mark.parametrize("index", range(7), ids=lambda i: ["paid", "part-paid", "reversed",
    "credited", "written-off", "discount", "cancelled"][i])  # fmt: skip
async def test_each_movement_sets_the_open_amount_invoicing_announced(
    session: AsyncSession, clock: ManualClock, index: int
) -> None:
    issued = create_invoice_issued(uuid.uuid4(), total="100.00")
    await deliver(SERVICE, session, clock, issued)
    await deliver(SERVICE, session, clock, late_fee(issued, "10.00", open_amount="110.00"))
    event, kind, amount, state = after(issued)[index]
    if isinstance(event, PaymentReversed):  # the payment it reverses came first
        await deliver(
            SERVICE, session, clock, payment_applied(issued, "60.00", open_amount="50.00")
        )

    await deliver(SERVICE, session, clock, event)

    found = await receivable(session, issued.invoice_id)
    expected_open = getattr(event, "open_amount", Decimal(0))
    assert (found.open_amount, found.state) == (expected_open, state)
    assert (await movements(session, issued.invoice_id))[-1] == (kind, Decimal(amount))


async def test_the_same_event_delivered_twice_changes_nothing(
    session: AsyncSession, clock: ManualClock
) -> None:
    issued = create_invoice_issued(uuid.uuid4(), total="100.00")
    await deliver(SERVICE, session, clock, issued)
    fee = late_fee(issued, "10.00", open_amount="110.00")
    meta = await deliver(SERVICE, session, clock, fee)
    payment = payment_applied(issued, "50.00", open_amount="60.00")
    payment_meta = await deliver(SERVICE, session, clock, payment)

    # Redelivered after the inbox forgot them: the movement key (source, id, kind) holds.
    await deliver(SERVICE, session, clock, fee, meta=meta)
    await deliver(SERVICE, session, clock, payment, meta=payment_meta)

    assert (await receivable(session, issued.invoice_id)).open_amount == Decimal("60.00")
    assert await movements(session, issued.invoice_id) == [
        ("invoiced", Decimal("100.00")),
        ("fee", Decimal("10.00")),
        ("paid", Decimal("50.00")),
    ]


async def test_an_invoice_announced_again_is_counted_once(
    session: AsyncSession, clock: ManualClock
) -> None:
    issued = create_invoice_issued(uuid.uuid4(), total="100.00")
    await deliver(SERVICE, session, clock, issued)
    await deliver(SERVICE, session, clock, payment_applied(issued, "40.00", open_amount="60.00"))

    await deliver(SERVICE, session, clock, issued)  # a new event id for the same invoice

    assert (await receivable(session, issued.invoice_id)).open_amount == Decimal("60.00")
    assert [kind for kind, _ in await movements(session, issued.invoice_id)] == [
        "invoiced",
        "paid",
    ]


async def test_a_movement_before_its_invoice_is_kept_and_its_open_amount_wins(
    session: AsyncSession, clock: ManualClock
) -> None:
    # Cannot happen in order; can after InvoiceIssued was dead-lettered and replayed later.
    issued = create_invoice_issued(uuid.uuid4(), total="100.00")
    await deliver(SERVICE, session, clock, payment_applied(issued, "40.00", open_amount="60.00"))
    session.expunge_all()
    assert await session.get(Receivable, issued.invoice_id) is None

    await deliver(SERVICE, session, clock, issued)

    found = await receivable(session, issued.invoice_id)
    assert (found.open_amount, found.state) == (Decimal("60.00"), "open")
    assert sorted(kind for kind, _ in await movements(session, issued.invoice_id)) == [
        "invoiced",
        "paid",
    ]


async def test_a_reversal_taken_from_the_credit_balance_moves_no_invoice(
    session: AsyncSession, clock: ManualClock
) -> None:
    issued = create_invoice_issued(uuid.uuid4(), total="100.00")
    await deliver(SERVICE, session, clock, issued)
    reversal = PaymentReversed(
        customer_id=issued.customer_id,
        payment_id=uuid.uuid4(),
        invoice_id=None,
        currency="EUR",
        amount=Decimal("25.00"),
        reversed_on=date(2026, 4, 2),
        open_amount=None,
    )

    await deliver(SERVICE, session, clock, reversal)

    assert await session.scalar(select(func.count()).select_from(ReceivableMovement)) == 1
    assert (await receivable(session, issued.invoice_id)).open_amount == Decimal("100.00")


async def test_three_decimal_amounts_are_kept_exactly(
    session: AsyncSession, clock: ManualClock
) -> None:
    issued = create_invoice_issued(uuid.uuid4(), total="10.125", currency="KWD")
    await deliver(SERVICE, session, clock, issued)

    await deliver(SERVICE, session, clock, payment_applied(issued, "5.062", open_amount="5.063"))

    found = await receivable(session, issued.invoice_id)
    assert (found.amount_due, found.open_amount) == (Decimal("10.125"), Decimal("5.063"))


async def test_invoice_overdue_marks_it_and_a_later_due_date_clears_the_mark(
    session: AsyncSession, clock: ManualClock
) -> None:
    issued = create_invoice_issued(uuid.uuid4(), due_date=date(2026, 4, 1))
    await deliver(SERVICE, session, clock, issued)
    await deliver(
        SERVICE, session, clock,
        overdue(issued, overdue_on=date(2026, 4, 2), open_amount="1200.50"),
    )  # fmt: skip
    assert (await receivable(session, issued.invoice_id)).overdue_on == date(2026, 4, 2)

    await deliver(
        SERVICE, session, clock,
        due_date_extended(issued, due_date=date(2026, 5, 1), extended_on=date(2026, 4, 10)),
    )  # fmt: skip

    found = await receivable(session, issued.invoice_id)
    assert (found.due_date, found.overdue_on) == (date(2026, 5, 1), None)


async def test_a_due_date_moved_but_still_past_keeps_the_mark(
    session: AsyncSession, clock: ManualClock
) -> None:
    issued = create_invoice_issued(uuid.uuid4(), due_date=date(2026, 4, 1))
    await deliver(SERVICE, session, clock, issued)
    await deliver(
        SERVICE, session, clock,
        overdue(issued, overdue_on=date(2026, 4, 2), open_amount="1200.50"),
    )  # fmt: skip

    await deliver(
        SERVICE, session, clock,
        due_date_extended(issued, due_date=date(2026, 4, 5), extended_on=date(2026, 4, 20)),
    )  # fmt: skip

    found = await receivable(session, issued.invoice_id)
    assert (found.due_date, found.overdue_on) == (date(2026, 4, 5), date(2026, 4, 2))


async def test_a_history_replayed_whole_changes_nothing(
    session: AsyncSession, clock: ManualClock
) -> None:
    history = realistic_history()
    metas = [await deliver(SERVICE, session, clock, event) for event in history.events]
    before = await movements_of_customer(session, history.customer_id)

    for event, meta in zip(history.events, metas, strict=True):
        await deliver(SERVICE, session, clock, event, meta=meta)

    assert await movements_of_customer(session, history.customer_id) == before
    # One per event, plus the imported invoice's earlier payment, less InvoiceOverdue's none.
    assert len(before) == len(history.events)


async def movements_of_customer(
    session: AsyncSession, customer_id: uuid.UUID
) -> list[tuple[str, Decimal, Decimal]]:
    rows = await session.execute(
        select(ReceivableMovement.kind, ReceivableMovement.amount, ReceivableMovement.open_after)
        .where(ReceivableMovement.customer_id == customer_id)
        .order_by(ReceivableMovement.id)
    )
    return [(kind, amount, open_after) for kind, amount, open_after in rows.all()]


async def test_a_cancellation_before_its_invoice_leaves_it_cancelled(
    session: AsyncSession, clock: ManualClock
) -> None:
    issued = create_invoice_issued(uuid.uuid4(), total="100.00")
    await deliver(SERVICE, session, clock, cancelled(issued, "100.00"))

    await deliver(SERVICE, session, clock, issued)

    found = await receivable(session, issued.invoice_id)
    assert (found.open_amount, found.state) == (Decimal("0"), "cancelled")


async def test_an_older_movement_replayed_late_is_booked_but_does_not_set_the_open_amount(
    session: AsyncSession, clock: ManualClock
) -> None:
    """A dead-lettered payment replayed after a later one (another event id, so no dedupe):
    invoicing's movement sequence, not arrival, says which open amount is current."""
    issued = create_invoice_issued(uuid.uuid4(), total="100.00")
    await deliver(SERVICE, session, clock, issued)
    older = payment_applied(issued, "30.00", open_amount="70.00").model_copy(
        update={"movement_sequence": 11}
    )
    newer = payment_applied(issued, "50.00", open_amount="20.00").model_copy(
        update={"movement_sequence": 12}
    )
    await deliver(SERVICE, session, clock, newer)

    await deliver(SERVICE, session, clock, older)

    found = await receivable(session, issued.invoice_id)
    assert (found.open_amount, found.open_amount_sequence) == (Decimal("20.00"), 12)
    assert await movements(session, issued.invoice_id) == [
        ("invoiced", Decimal("100.00")),
        ("paid", Decimal("50.00")),
        ("paid", Decimal("30.00")),
    ]
