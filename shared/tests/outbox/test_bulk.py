"""record_events_in_bulk and record_events write the rows record_event would write, in one
statement."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select

from receivables_shared.clock import ManualClock
from receivables_shared.db.engine import SessionMaker
from receivables_shared.events import InvoiceOverdue
from receivables_shared.outbox import record_event, record_events, record_events_in_bulk
from receivables_shared.outbox.models import OutboxEvent

ROWS = """
SELECT customer_id, jsonb_build_object(
    'customer_id', customer_id, 'invoice_id', invoice_id, 'number', number, 'currency', 'EUR',
    'due_date', date '2026-03-01', 'overdue_on', date '2026-03-02', 'open_amount', '12.50'
) AS payload
FROM unnest(CAST(:customers AS uuid[]), CAST(:invoices AS uuid[]), CAST(:numbers AS text[]))
    AS source(customer_id, invoice_id, number)
"""


def overdue(customer_id: uuid.UUID, invoice_id: uuid.UUID, number: str) -> InvoiceOverdue:
    return InvoiceOverdue(
        customer_id=customer_id,
        invoice_id=invoice_id,
        number=number,
        currency="EUR",
        due_date=date(2026, 3, 1),
        overdue_on=date(2026, 3, 2),
        open_amount=Decimal("12.50"),
    )


def shape(row: OutboxEvent) -> tuple[object, ...]:
    return (row.event_type, row.topic, row.partition_key, row.lane, row.source,
            row.occurred_at, row.payload)  # fmt: skip


async def test_bulk_rows_match_what_record_event_writes(sessionmaker: SessionMaker) -> None:
    clock = ManualClock(datetime(2026, 3, 2, 9, tzinfo=UTC))
    customers = [uuid.uuid4() for _ in range(3)]
    invoices = [uuid.uuid4() for _ in range(3)]
    numbers = [f"INV-{n}" for n in range(3)]
    async with sessionmaker() as session:
        one_by_one = [
            record_event(session, overdue(*values), clock=clock)
            for values in zip(customers, invoices, numbers, strict=True)
        ]
        await session.flush()
        staged = await record_events_in_bulk(
            session,
            InvoiceOverdue,
            ROWS,
            {"customers": customers, "invoices": invoices, "numbers": numbers},
            clock=clock,
        )
        bulk = (
            await session.scalars(
                select(OutboxEvent).where(
                    OutboxEvent.partition_key.in_([str(c) for c in customers]),
                    OutboxEvent.event_id.not_in([row.event_id for row in one_by_one]),
                )
            )
        ).all()
        bulk_rows = sorted(map(shape, bulk), key=str)
        expected = sorted(map(shape, one_by_one), key=str)
        bulk_ids = {row.event_id for row in bulk}
        await session.rollback()

    assert staged == 3
    assert bulk_rows == expected
    assert len(bulk_ids) == 3
    assert {event_id.version for event_id in bulk_ids} == {7}  # time-ordered: see bulk.py


async def test_nothing_to_record_writes_nothing(sessionmaker: SessionMaker) -> None:
    async with sessionmaker() as session:
        staged = await record_events_in_bulk(
            session,
            InvoiceOverdue,
            ROWS,
            {"customers": [], "invoices": [], "numbers": []},
            clock=ManualClock(datetime(2026, 3, 2, 9, tzinfo=UTC)),
        )
        await session.rollback()
    assert staged == 0


async def test_built_events_are_staged_in_one_statement_in_their_order(
    sessionmaker: SessionMaker,
) -> None:
    clock = ManualClock(datetime(2026, 3, 2, 9, tzinfo=UTC))
    customer = uuid.uuid4()
    events = [overdue(customer, uuid.uuid4(), f"INV-{n}") for n in range(3)]
    async with sessionmaker() as session:
        one_by_one = [record_event(session, event, clock=clock) for event in events]
        await session.flush()
        staged = await record_events(session, events, clock=clock)
        rows = (
            await session.scalars(
                select(OutboxEvent)
                .where(OutboxEvent.partition_key == str(customer))
                .order_by(OutboxEvent.id)
            )
        ).all()
        shapes = [shape(row) for row in rows]
        expected = [shape(row) for row in one_by_one]
        event_ids = {row.event_id for row in rows}
        await session.rollback()

    assert staged == 3
    assert shapes == expected + expected  # the same rows, in the same order
    assert len(event_ids) == 6
