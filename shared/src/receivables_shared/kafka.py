"""Kafka clients built from settings, topic creation and the readiness probe."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable

from aiokafka import AIOKafkaClient, AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

#: Tansu answers a fetch only when this wait is over, even with data waiting, so it is a floor
#: under consumer lag there; Apache Kafka answers as soon as data arrives.
FETCH_MAX_WAIT_MS = 50


def create_producer(bootstrap_servers: str, *, enable_idempotence: bool) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        acks="all",
        enable_idempotence=enable_idempotence,
        linger_ms=5,
        max_batch_size=256 * 1024,
    )


def create_consumer(
    bootstrap_servers: str,
    *,
    group_id: str,
    topics: Iterable[str],
    session_timeout_ms: int = 10_000,
    fetch_max_wait_ms: int = FETCH_MAX_WAIT_MS,
) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap_servers,
        group_id=group_id,
        # Offsets are committed by hand, after the effect is committed in the database.
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_interval_ms=300_000,
        # A group join waits about half the session timeout on Tansu; tests shorten it.
        session_timeout_ms=session_timeout_ms,
        heartbeat_interval_ms=max(100, session_timeout_ms // 4),
        fetch_max_wait_ms=fetch_max_wait_ms,
    )


async def ensure_topics(
    bootstrap_servers: str,
    topics: Iterable[str],
    *,
    partitions: int,
    replication_factor: int = 1,
    retention_hours: float | None = None,
) -> None:
    """Create the topics that do not exist yet. `retention_hours` sets retention.ms on those it
    creates (an existing topic keeps its own: change it with the cluster's tools)."""
    configs = {"retention.ms": str(round(retention_hours * 3_600_000))} if retention_hours else {}
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in sorted(set(topics)) if t not in existing]
        if missing:
            # Another service may create one between our list and create.
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(
                    [
                        NewTopic(
                            name,
                            num_partitions=partitions,
                            replication_factor=replication_factor,
                            topic_configs=configs,
                        )
                        for name in missing
                    ]
                )
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
