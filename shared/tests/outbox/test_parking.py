"""Rows the broker refuses for good are parked; the rest of their lane carries on (real broker)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from aiokafka import AIOKafkaProducer
from prometheus_client import REGISTRY
from sqlalchemy import select, text

from receivables_shared.clock import SystemClock
from receivables_shared.db.engine import SessionMaker
from receivables_shared.outbox import record_event
from receivables_shared.outbox.models import OutboxEvent, lane_of
from receivables_shared.outbox.relay import OutboxRelay
from receivables_shared.testing.events import create_invoice_issued
from receivables_shared.testing.kafka import header, read_topic, started_producer

CLOCK = SystemClock()
#: The producer under test refuses records above this size before they leave the process.
SMALL_REQUEST_SIZE = 4096
#: The re-queue statement docs/reliability-outbox.md gives operators, verbatim.
REQUEUE = text(
    "UPDATE outbox_events SET parked_at = NULL, publish_error = NULL"
    " WHERE id = :id AND published_at IS NULL"
)


def customers_in_one_lane(count: int) -> list[uuid.UUID]:
    """Distinct customers whose events share one lane, so one relay batch holds them all."""
    lane = lane_of(str(uuid.uuid4()))
    found: list[uuid.UUID] = []
    while len(found) < count:
        candidate = uuid.uuid4()
        if lane_of(str(candidate)) == lane:
            found.append(candidate)
    return found


@pytest_asyncio.fixture
async def small_producer(kafka_bootstrap: str) -> AsyncIterator[AIOKafkaProducer]:
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka_bootstrap, acks="all", max_request_size=SMALL_REQUEST_SIZE
    )
    await producer.start()
    yield producer
    await producer.stop()


def relay_with(producer: AIOKafkaProducer, sessionmaker: SessionMaker) -> OutboxRelay:
    return OutboxRelay(
        service="test-parking", sessionmaker=sessionmaker, producer=producer, clock=CLOCK
    )


async def publish_until_idle(relay: OutboxRelay) -> int:
    total = 0
    while published := await relay.publish_pending():
        total += published
    return total


async def load(sessionmaker: SessionMaker, row_id: int) -> OutboxEvent:
    async with sessionmaker() as session:
        row = await session.get(OutboxEvent, row_id)
    assert row is not None
    return row


def parked_total() -> float:
    return REGISTRY.get_sample_value("outbox_parked_total", {"service": "test-parking"}) or 0.0


async def test_a_record_too_large_is_parked_its_customer_waits_and_the_lane_carries_on(
    sessionmaker: SessionMaker,
    kafka_bootstrap: str,
    small_producer: AIOKafkaProducer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    blocked, other = customers_in_one_lane(2)
    async with sessionmaker() as session, session.begin():
        too_large = record_event(
            session, create_invoice_issued(blocked, number="N" * 8000), clock=CLOCK
        )
        held = record_event(session, create_invoice_issued(blocked), clock=CLOCK)
        others = [
            record_event(session, create_invoice_issued(other), clock=CLOCK) for _ in range(3)
        ]
    parked_before = parked_total()

    with caplog.at_level(logging.ERROR, logger="receivables_shared.outbox.relay"):
        published = await publish_until_idle(relay_with(small_producer, sessionmaker))

    assert published == 3  # the other customer's rows, though they share the lane
    records = await read_topic(
        kafka_bootstrap,
        "invoicing.events",
        lambda rs: {str(r.event_id) for r in others} <= {header(r, "ce_id") for r in rs},
    )
    out = {header(r, "ce_id") for r in records}
    assert str(too_large.event_id) not in out and str(held.event_id) not in out
    parked = await load(sessionmaker, too_large.id)
    assert parked.parked_at is not None and parked.published_at is None
    assert parked.publish_error is not None
    assert parked.publish_error.startswith("MessageSizeTooLargeError")
    waiting = await load(sessionmaker, held.id)  # held behind it, neither parked nor published
    assert waiting.parked_at is None and waiting.published_at is None
    assert parked_total() == parked_before + 1
    assert any(str(too_large.event_id) in r.getMessage() for r in caplog.records)

    # Later batches of the lane still skip the held row while publishing the others.
    async with sessionmaker() as session, session.begin():
        record_event(session, create_invoice_issued(other), clock=CLOCK)
    assert await publish_until_idle(relay_with(small_producer, sessionmaker)) == 1
    assert (await load(sessionmaker, held.id)).published_at is None

    # The operator raises the limit and re-queues the row: it goes out, then the held one.
    async with sessionmaker() as session, session.begin():
        await session.execute(REQUEUE, {"id": too_large.id})
    roomy = await started_producer(kafka_bootstrap)
    try:
        assert await publish_until_idle(relay_with(roomy, sessionmaker)) == 2
    finally:
        await roomy.stop()
    records = await read_topic(
        kafka_bootstrap,
        "invoicing.events",
        lambda rs: str(held.event_id) in {header(r, "ce_id") for r in rs},
    )
    order = [header(r, "ce_id") for r in records if r.key == str(blocked).encode()]
    assert order == [str(too_large.event_id), str(held.event_id)]


async def test_an_illegal_topic_is_parked_without_waiting_for_metadata(
    sessionmaker: SessionMaker, kafka_bootstrap: str, small_producer: AIOKafkaProducer
) -> None:
    misrouted_customer, other = customers_in_one_lane(2)
    async with sessionmaker() as session, session.begin():
        misrouted = record_event(session, create_invoice_issued(misrouted_customer), clock=CLOCK)
        misrouted.topic = "invoicing events!"  # a space and "!": no Kafka cluster accepts it
        fine = record_event(session, create_invoice_issued(other), clock=CLOCK)

    assert await publish_until_idle(relay_with(small_producer, sessionmaker)) == 1

    await read_topic(
        kafka_bootstrap,
        "invoicing.events",
        lambda rs: str(fine.event_id) in {header(r, "ce_id") for r in rs},
    )
    parked = await load(sessionmaker, misrouted.id)
    assert parked.parked_at is not None and parked.published_at is None
    assert (parked.publish_error or "").startswith("InvalidTopicError")
    async with sessionmaker() as session:
        unpublished = set(
            await session.scalars(select(OutboxEvent.id).where(OutboxEvent.published_at.is_(None)))
        )
    assert unpublished == {misrouted.id}
