"""Reading and writing topics in tests, with plain aiokafka clients."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord

from receivables_shared.events.base import Event
from receivables_shared.events.cloudevents import encode_body, encode_headers
from receivables_shared.kafka import create_producer, ensure_topics


async def new_topic(bootstrap: str, partitions: int = 1) -> str:
    topic = f"test-{uuid.uuid4().hex[:12]}"
    await ensure_topics(bootstrap, [topic], partitions=partitions)
    return topic


async def started_producer(bootstrap: str) -> AIOKafkaProducer:
    producer = create_producer(bootstrap, enable_idempotence=False)
    await producer.start()
    return producer


async def send_event(
    producer: AIOKafkaProducer, topic: str, event: Event, *, event_id: uuid.UUID | None = None
) -> uuid.UUID:
    event_id = event_id or uuid.uuid4()
    headers = encode_headers(
        event_id=event_id,
        event_type=event.event_type(),
        source=f"/{event.producer}",
        time=datetime.now(UTC),
        correlation_id=None,
    )
    await producer.send_and_wait(
        topic, value=encode_body(event), key=event.partition_key().encode(), headers=headers
    )
    return event_id


async def read_topic(
    bootstrap: str,
    topic: str,
    until: Callable[[list[ConsumerRecord[bytes, bytes]]], bool],
    *,
    timeout: float = 20.0,
) -> list[ConsumerRecord[bytes, bytes]]:
    """Everything on `topic` from the beginning, until `until(records)` holds."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    records: list[ConsumerRecord[bytes, bytes]] = []
    deadline = time.monotonic() + timeout
    try:
        while not until(records):
            if time.monotonic() > deadline:
                raise AssertionError(f"{topic}: condition not met; read {len(records)} records")
            batches = await consumer.getmany(timeout_ms=200)
            for batch in batches.values():
                records.extend(batch)
            await asyncio.sleep(0)
    finally:
        await consumer.stop()
    return records


def header(record: ConsumerRecord[bytes, bytes], name: str) -> str | None:
    for key, value in record.headers or ():
        if key == name:
            return str(value.decode())
    return None


async def read_for(
    bootstrap: str, topic: str, seconds: float
) -> list[ConsumerRecord[bytes, bytes]]:
    """Everything on `topic` from the beginning that arrives within `seconds` (to show absence)."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    records: list[ConsumerRecord[bytes, bytes]] = []
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            for batch in (await consumer.getmany(timeout_ms=200)).values():
                records.extend(batch)
    finally:
        await consumer.stop()
    return records
