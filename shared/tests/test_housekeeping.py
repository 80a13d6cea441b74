"""What the worker's housekeeping forgets, and what it must never forget."""

import uuid
from datetime import UTC, datetime, timedelta

from aiokafka import AIOKafkaProducer
from sqlalchemy import select

from receivables_shared.clock import ManualClock
from receivables_shared.db.engine import SessionMaker
from receivables_shared.idempotency.models import IdempotencyRecord
from receivables_shared.idempotency.retention import purge_idempotency_keys
from receivables_shared.outbox import record_event
from receivables_shared.outbox.models import OutboxEvent
from receivables_shared.outbox.relay import OutboxRelay
from receivables_shared.testing.events import create_invoice_issued

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def test_published_rows_go_after_the_retention_and_unpublished_rows_stay(
    sessionmaker: SessionMaker,
) -> None:
    clock = ManualClock(START)
    async with sessionmaker() as session, session.begin():
        published = record_event(session, create_invoice_issued(), clock=clock)
        pending = record_event(session, create_invoice_issued(), clock=clock)
        published.published_at = START
    relay = OutboxRelay(
        service="test",
        sessionmaker=sessionmaker,
        producer=AIOKafkaProducer(),  # never started: purging does not publish
        clock=clock,
        retention=timedelta(hours=24),
    )

    clock.advance(timedelta(hours=23))
    await relay.purge_published()
    async with sessionmaker() as session:
        before = set(await session.scalars(select(OutboxEvent.event_id)))
    clock.advance(timedelta(hours=2))
    await relay.purge_published()
    async with sessionmaker() as session:
        after = set(await session.scalars(select(OutboxEvent.event_id)))

    assert before == {published.event_id, pending.event_id}
    assert after == {pending.event_id}


async def test_idempotency_keys_are_forgotten_after_the_retention(
    sessionmaker: SessionMaker,
) -> None:
    async with sessionmaker() as session, session.begin():
        for key, age in (("old", timedelta(hours=30)), ("recent", timedelta(hours=1))):
            session.add(
                IdempotencyRecord(
                    api_key_id=uuid.uuid4(),
                    key=key,
                    method="POST",
                    path="/v1/invoices",
                    request_hash="0" * 64,
                    created_at=START - age,
                )
            )

    await purge_idempotency_keys(sessionmaker, ManualClock(START), timedelta(hours=24))

    async with sessionmaker() as session:
        assert list(await session.scalars(select(IdempotencyRecord.key))) == ["recent"]
