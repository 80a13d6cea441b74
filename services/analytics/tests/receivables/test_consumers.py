import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.definition import SERVICE
from analytics.receivables.consumers import on_invoice_issued
from analytics.receivables.models import InvoiceFact, InvoiceMovement
from receivables_shared.clock import ManualClock
from receivables_shared.testing.events import create_invoice_issued, handler_context
from receivables_shared.testing.movements import (
    cancelled,
    deliver,
    due_date_extended,
    overdue,
    payment_applied,
    realistic_history,
)


async def fact(session: AsyncSession, invoice_id: uuid.UUID) -> InvoiceFact:
    session.expunge_all()  # read back from the database
    found = await session.get(InvoiceFact, invoice_id)
    assert found is not None
    return found


async def movements_of(
    session: AsyncSession, customer_id: uuid.UUID
) -> list[tuple[str, Decimal, date, Decimal]]:
    rows = await session.execute(
        select(
            InvoiceMovement.kind,
            InvoiceMovement.amount,
            InvoiceMovement.occurred_on,
            InvoiceMovement.open_after,
        )
        .where(InvoiceMovement.customer_id == customer_id)
        .order_by(InvoiceMovement.id)
    )
    return [(kind, amount, on, open_after) for kind, amount, on, open_after in rows.all()]


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
    assert (facts[0].open_amount, facts[0].state) == (Decimal("1200.50"), "open")


async def test_every_movement_is_kept_with_its_business_date_and_the_open_amount_after(
    session: AsyncSession, clock: ManualClock
) -> None:
    history = realistic_history()

    for event in history.events:
        await deliver(SERVICE, session, clock, event)

    kept = [
        (kind, str(amount), on.isoformat(), str(after))
        for kind, amount, on, after in await movements_of(session, history.customer_id)
    ]
    assert kept == [
        ("invoiced", "500.000", "2025-12-01", "300.000"),
        ("paid", "200.000", "2025-12-01", "300.000"),
        *[("invoiced", total, "2026-03-02", total) for total in
          ("1200.500", "800.000", "300.000", "100.000", "55.550", "10.125")],
        ("cancelled", "55.550", "2026-03-03", "0.000"),
        ("paid", "98.000", "2026-03-09", "2.000"),
        ("discount", "2.000", "2026-03-09", "0.000"),
        ("credited", "100.000", "2026-03-10", "700.000"),
        ("paid", "500.000", "2026-04-20", "200.000"),
        ("fee", "40.000", "2026-04-15", "1240.500"),
        ("paid", "1240.500", "2026-04-20", "0.000"),
        ("paid", "-500.000", "2026-04-25", "700.000"),
        ("paid", "650.000", "2026-04-20", "50.000"),
        ("paid", "5.062", "2026-04-20", "5.063"),
        ("fee", "12.340", "2026-04-15", "312.340"),
        ("written_off", "312.340", "2026-09-30", "0.000"),
    ]  # fmt: skip
    facts = (
        await session.scalars(
            select(InvoiceFact).where(InvoiceFact.customer_id == history.customer_id)
        )
    ).all()
    assert sorted((f.state, str(f.open_amount)) for f in facts) == [
        ("cancelled", "0.000"),
        ("closed", "0.000"),
        ("closed", "0.000"),
        ("closed", "0.000"),
        ("open", "300.000"),
        ("open", "5.063"),
        ("open", "50.000"),
    ]


async def test_a_history_delivered_twice_changes_nothing(
    session: AsyncSession, clock: ManualClock
) -> None:
    history = realistic_history()
    metas = [await deliver(SERVICE, session, clock, event) for event in history.events]
    before = await movements_of(session, history.customer_id)

    for event, meta in zip(history.events, metas, strict=True):
        await deliver(SERVICE, session, clock, event, meta=meta)

    assert await movements_of(session, history.customer_id) == before


async def test_a_movement_before_its_invoice_is_kept_and_its_open_amount_wins(
    session: AsyncSession, clock: ManualClock
) -> None:
    issued = create_invoice_issued(uuid.uuid4(), total="100.00")
    await deliver(SERVICE, session, clock, payment_applied(issued, "40.00", open_amount="60.00"))

    await deliver(SERVICE, session, clock, issued)

    assert (await fact(session, issued.invoice_id)).open_amount == Decimal("60.00")


async def test_a_cancelled_invoice_is_open_for_nothing(
    session: AsyncSession, clock: ManualClock
) -> None:
    issued = create_invoice_issued(uuid.uuid4(), total="100.00")
    await deliver(SERVICE, session, clock, issued)

    await deliver(SERVICE, session, clock, cancelled(issued, "100.00"))

    found = await fact(session, issued.invoice_id)
    assert (found.open_amount, found.state) == (Decimal("0"), "cancelled")


async def test_overdue_mark_and_due_date_extension(
    session: AsyncSession, clock: ManualClock
) -> None:
    issued = create_invoice_issued(uuid.uuid4(), due_date=date(2026, 4, 1))
    await deliver(SERVICE, session, clock, issued)
    await deliver(
        SERVICE, session, clock,
        overdue(issued, overdue_on=date(2026, 4, 2), open_amount="1200.50"),
    )  # fmt: skip
    marked = (await fact(session, issued.invoice_id)).overdue_on

    await deliver(
        SERVICE, session, clock,
        due_date_extended(issued, due_date=date(2026, 5, 1), extended_on=date(2026, 4, 10)),
    )  # fmt: skip

    found = await fact(session, issued.invoice_id)
    assert (marked, found.due_date, found.overdue_on) == (date(2026, 4, 2), date(2026, 5, 1), None)


async def test_an_older_movement_replayed_late_does_not_set_the_open_amount(
    session: AsyncSession, clock: ManualClock
) -> None:
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

    found = await fact(session, issued.invoice_id)
    assert (found.open_amount, found.open_amount_sequence) == (Decimal("20.00"), 12)
    kept = await movements_of(session, issued.customer_id)
    assert [(kind, amount) for kind, amount, _, _ in kept][-2:] == [
        ("paid", Decimal("50.00")),
        ("paid", Decimal("30.00")),
    ]


async def test_an_invoice_issued_after_its_movements_takes_the_latest_by_sequence(
    session: AsyncSession, clock: ManualClock
) -> None:
    """Its InvoiceIssued dead-lettered and replayed: the movements came first, out of order."""
    issued = create_invoice_issued(uuid.uuid4(), total="100.00")
    for sequence, open_amount in ((12, "20.00"), (11, "70.00")):
        movement = payment_applied(issued, "1.00", open_amount=open_amount).model_copy(
            update={"movement_sequence": sequence}
        )
        await deliver(SERVICE, session, clock, movement)

    await deliver(SERVICE, session, clock, issued)

    found = await fact(session, issued.invoice_id)
    assert (found.open_amount, found.open_amount_sequence) == (Decimal("20.00"), 12)
