"""Transient faults: the relay backs off and retries; no row is lost, parked or sent twice."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from aiokafka import AIOKafkaProducer
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from receivables_shared.clock import SystemClock
from receivables_shared.db.engine import (
    SessionMaker,
    Timeouts,
    create_engine,
    create_sessionmaker,
)
from receivables_shared.devstack.broker import EmbeddedBroker
from receivables_shared.outbox import record_event
from receivables_shared.outbox.models import OutboxEvent
from receivables_shared.outbox.relay import BrokerUnavailable, OutboxRelay
from receivables_shared.testing.events import create_invoice_issued
from receivables_shared.testing.helpers import eventually
from receivables_shared.testing.kafka import header, read_topic, started_producer

CLOCK = SystemClock()
LOGS = Path(__file__).resolve().parents[3] / "var"


async def record(sessionmaker: SessionMaker, count: int) -> set[str]:
    async with sessionmaker() as session, session.begin():
        rows = [record_event(session, create_invoice_issued(), clock=CLOCK) for _ in range(count)]
    return {str(row.event_id) for row in rows}


async def outbox_state(sessionmaker: SessionMaker) -> tuple[int, int]:
    """(published, parked) row counts."""
    async with sessionmaker() as session:
        published = await session.scalar(
            select(func.count()).where(OutboxEvent.published_at.is_not(None))
        )
        parked = await session.scalar(
            select(func.count()).where(OutboxEvent.parked_at.is_not(None))
        )
    return published or 0, parked or 0


async def exactly_once(bootstrap: str, ids: set[str]) -> None:
    records = await read_topic(
        bootstrap,
        "invoicing.events",
        lambda rs: ids <= {header(r, "ce_id") for r in rs},
    )
    seen = Counter(header(r, "ce_id") for r in records if header(r, "ce_id") in ids)
    assert set(seen.values()) == {1}, seen


@pytest_asyncio.fixture
async def own_broker() -> AsyncIterator[EmbeddedBroker]:
    """A broker this test may freeze (SIGSTOP) and thaw without harming the other tests."""
    LOGS.mkdir(exist_ok=True)
    broker = EmbeddedBroker(log_path=LOGS / "test-broker-stall.log").start()
    yield broker
    freeze(broker, False)
    broker.stop()


def freeze(broker: EmbeddedBroker, frozen: bool) -> None:
    # A stalled broker keeps its data, unlike a restarted memory-storage one.
    process = broker._process
    assert process is not None
    process.send_signal(signal.SIGSTOP if frozen else signal.SIGCONT)


async def test_a_stalled_broker_is_retried_until_every_row_is_out(
    sessionmaker: SessionMaker, own_broker: EmbeddedBroker, caplog: pytest.LogCaptureFixture
) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=own_broker.bootstrap_servers, acks="all", request_timeout_ms=1000
    )
    await producer.start()
    relay = OutboxRelay(
        service="test-stall",
        sessionmaker=sessionmaker,
        producer=producer,
        clock=CLOCK,
        backoff_initial=0.1,
        backoff_max=0.5,
    )
    await record(sessionmaker, 5)
    assert await relay.publish_pending() == 5  # the producer knows the topic's partitions
    freeze(own_broker, True)
    during = await record(sessionmaker, 20)

    with pytest.raises(BrokerUnavailable):
        await relay.publish_pending()
    assert await outbox_state(sessionmaker) == (5, 0)  # nothing marked, nothing parked

    stop = asyncio.Event()
    with caplog.at_level(logging.WARNING, logger="receivables_shared.outbox.relay"):
        running = asyncio.create_task(relay.run(stop))
        try:
            await eventually(lambda: asyncio.sleep(0, caplog.text.count("retrying") >= 2))
            freeze(own_broker, False)
            await eventually(lambda: _all_published(sessionmaker, 25), timeout=30)
        finally:
            stop.set()
            await running
            await producer.stop()

    assert await outbox_state(sessionmaker) == (25, 0)
    # At least once: requests the broker read after it thawed may have landed as well as
    # the relay's retries; consumers' inboxes absorb such duplicates.
    await read_topic(
        own_broker.bootstrap_servers,
        "invoicing.events",
        lambda rs: during <= {header(r, "ce_id") for r in rs},
    )


async def _all_published(sessionmaker: SessionMaker, count: int) -> bool:
    return (await outbox_state(sessionmaker))[0] == count


async def test_a_locked_outbox_is_a_transient_fault_retried_with_backoff(
    platform_engine: AsyncEngine,
    sessionmaker: SessionMaker,
    kafka_bootstrap: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ids = await record(sessionmaker, 30)
    url = platform_engine.url.render_as_string(hide_password=False)
    # A worker's engine, with a lock timeout short enough for a test.
    impatient = create_engine(url, pool_size=1, timeouts=Timeouts(5, 0.2, 10))
    producer = await started_producer(kafka_bootstrap)
    relay = OutboxRelay(
        service="test-locked",
        sessionmaker=create_sessionmaker(impatient),
        producer=producer,
        clock=CLOCK,
        backoff_initial=0.1,
        backoff_max=0.5,
    )
    stop = asyncio.Event()
    running: asyncio.Task[None] | None = None
    try:
        with caplog.at_level(logging.WARNING, logger="receivables_shared.outbox.relay"):
            async with platform_engine.connect() as locker, locker.begin():
                await locker.execute(text("LOCK TABLE outbox_events IN ACCESS EXCLUSIVE MODE"))
                running = asyncio.create_task(relay.run(stop))
                # The relay logs the lock timeout by its SQLSTATE, never by the text of the error.
                await eventually(lambda: asyncio.sleep(0, "SQLSTATE 55P03" in caplog.text))
                published_meanwhile = await locker.scalar(
                    select(func.count()).where(OutboxEvent.published_at.is_not(None))
                )
            await eventually(lambda: _all_published(sessionmaker, 30))
    finally:
        stop.set()
        if running is not None:
            await running
        await producer.stop()
        await impatient.dispose()

    assert published_meanwhile == 0
    assert await outbox_state(sessionmaker) == (30, 0)
    await exactly_once(kafka_bootstrap, ids)
