"""Kafka clients built from settings, topic creation and the readiness probe."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from aiokafka import AIOKafkaClient, AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError


def create_producer(bootstrap_servers: str, *, enable_idempotence: bool) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        acks="all",
        enable_idempotence=enable_idempotence,
        linger_ms=5,
        max_batch_size=256 * 1024,
    )


def create_consumer(
    bootstrap_servers: str, *, group_id: str, topics: Iterable[str]
) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap_servers,
        group_id=group_id,
        # Offsets are committed by hand, after the effect is committed in the database.
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_interval_ms=300_000,
    )


async def ensure_topics(bootstrap_servers: str, topics: Iterable[str], *, partitions: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in sorted(set(topics)) if t not in existing]
        if missing:
            try:
                await admin.create_topics(
                    [
                        NewTopic(name, num_partitions=partitions, replication_factor=1)
                        for name in missing
                    ]
                )
            except TopicAlreadyExistsError:
                pass  # another service created it between our list and create
    finally:
        await admin.close()


async def broker_reachable(bootstrap_servers: str, *, timeout: float = 2.0) -> bool:
    client = AIOKafkaClient(
        bootstrap_servers=bootstrap_servers, request_timeout_ms=int(timeout * 1000)
    )
    try:
        await asyncio.wait_for(client.bootstrap(), timeout=timeout)
        return True
    except Exception:
        return False
    finally:
        await client.close()
