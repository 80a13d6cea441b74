"""What the worker's housekeeping forgets, and what it must never forget."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from aiokafka import AIOKafkaProducer
from pydantic import ValidationError
from sqlalchemy import select

from receivables_shared.clock import ManualClock
from receivables_shared.consumer.inbox import claim_new, purge_inbox
from receivables_shared.consumer.models import InboxEvent
from receivables_shared.db.engine import SessionMaker
from receivables_shared.events.cloudevents import EventMeta
from receivables_shared.idempotency.models import IdempotencyRecord
from receivables_shared.idempotency.retention import purge_idempotency_keys
from receivables_shared.outbox import record_event
from receivables_shared.outbox.models import OutboxEvent
from receivables_shared.outbox.relay import OutboxRelay
from receivables_shared.settings import ServiceSettings
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


def meta_of(event_id: uuid.UUID) -> EventMeta:
    return EventMeta(
        id=event_id,
        type="receivables.InvoiceIssued.v1",
        source="/invoicing",
        time=START,
        correlation_id=None,
    )


async def test_inbox_ids_go_after_the_retention_and_recent_duplicates_stay_absorbed(
    sessionmaker: SessionMaker,
) -> None:
    settings = ServiceSettings()
    retention = timedelta(hours=settings.inbox_retention_hours)
    old = [uuid.uuid4() for _ in range(5)]
    recent = uuid.uuid4()
    async with sessionmaker() as session, session.begin():
        for event_id in old:
            session.add(
                InboxEvent(
                    consumer_group="analytics",
                    event_id=event_id,
                    event_type="receivables.InvoiceIssued.v1",
                    processed_at=START - retention - timedelta(minutes=1),
                )
            )
        session.add(
            InboxEvent(
                consumer_group="analytics",
                event_id=recent,
                event_type="receivables.InvoiceIssued.v1",
                processed_at=START - retention + timedelta(minutes=1),
            )
        )

    # Small chunks: the purge loops until a chunk comes back short.
    purged = await purge_inbox(sessionmaker, ManualClock(START), retention, chunk=2)

    assert purged == 5
    async with sessionmaker() as session:
        assert list(await session.scalars(select(InboxEvent.event_id))) == [recent]
    async with sessionmaker() as session, session.begin():
        # A redelivery of the remembered event is still a duplicate: nothing to apply.
        assert await claim_new(session, "analytics", [meta_of(recent)]) == set()


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"inbox_retention_hours": 100}, "kafka_topic_retention_hours"),
        ({"kafka_topic_retention_hours": 400}, "kafka_topic_retention_hours"),
        ({"outbox_retention_hours": 500, "inbox_retention_hours": 400}, "outbox_retention_hours"),
    ],
)
def test_the_inbox_must_outlive_every_redelivery(values: dict[str, float], field: str) -> None:
    with pytest.raises(ValidationError, match=f"must exceed {field}"):
        ServiceSettings.model_validate(values)


def test_the_default_retentions_keep_the_rule() -> None:
    settings = ServiceSettings()
    assert settings.inbox_retention_hours > settings.kafka_topic_retention_hours
    assert settings.inbox_retention_hours > settings.outbox_retention_hours
