"""The dead-letter topic: the original message (key, body, headers) plus why it was parked."""

from __future__ import annotations

import logging

from aiokafka import AIOKafkaProducer, ConsumerRecord

from receivables_shared.metrics import EVENTS_DEAD_LETTERED

log = logging.getLogger(__name__)

MAX_ERROR_BYTES = 4000


class DeadLetterWriter:
    def __init__(self, *, producer: AIOKafkaProducer, topic: str, group: str) -> None:
        self.producer = producer
        self.topic = topic
        self.group = group

    async def send(
        self, record: ConsumerRecord[bytes, bytes], *, error: BaseException, attempts: int
    ) -> None:
        reason = f"{type(error).__name__}: {error}".encode()[:MAX_ERROR_BYTES]
        headers = [
            *list(record.headers or ()),
            ("dlq_error", reason),
            ("dlq_consumer_group", self.group.encode()),
            ("dlq_original_topic", record.topic.encode()),
            ("dlq_original_partition", str(record.partition).encode()),
            ("dlq_original_offset", str(record.offset).encode()),
            ("dlq_attempts", str(attempts).encode()),
        ]
        # Awaited before the offset is committed: a parked message is never lost.
        delivery = await self.producer.send(
            self.topic, value=record.value, key=record.key, headers=headers
        )
        await delivery
        EVENTS_DEAD_LETTERED.labels(self.group).inc()
        log.warning(
            "dead-lettered %s/%d@%d: %s",
            record.topic,
            record.partition,
            record.offset,
            reason.decode(errors="replace"),
        )
