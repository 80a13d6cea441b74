"""Topic creation against the real broker."""

from __future__ import annotations

import uuid

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from receivables_shared.kafka import ensure_topics


async def retention_ms(bootstrap: str, topic: str) -> str:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        [response] = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    finally:
        await admin.close()
    [(_, _, _, _, entries)] = response.resources
    return str({name: value for name, value, *_ in entries}["retention.ms"])


async def test_created_topics_keep_events_as_long_as_the_settings_say(kafka_bootstrap: str) -> None:
    # The inbox retention is validated against KAFKA_TOPIC_RETENTION_HOURS, so the broker must
    # really keep events that long, not its own default.
    topic = f"test-retention-{uuid.uuid4().hex[:8]}"

    await ensure_topics(kafka_bootstrap, [topic], partitions=1, retention_hours=168)

    assert await retention_ms(kafka_bootstrap, topic) == str(168 * 3_600_000)
