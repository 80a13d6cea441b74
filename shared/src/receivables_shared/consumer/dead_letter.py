"""The dead-letter topic: the original message (key, body, headers) plus why it was parked."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from aiokafka import AIOKafkaProducer, ConsumerRecord

from receivables_shared.metrics import EVENTS_DEAD_LETTERED

log = logging.getLogger(__name__)

MAX_ERROR_BYTES = 4000


class DeadLetterReason(StrEnum):
    """The `dlq_reason` header: what a replay has to wait for."""

    #: The message cannot be read as an event at all; only a fixed producer helps.
    MALFORMED = "malformed"
    #: A version of a handled event this build cannot read: replay after upgrading the consumer.
    UNKNOWN_VERSION = "unknown-version"
    #: The handlers kept failing on it: replay after fixing the handler or the data.
    FAILED = "failed"


@dataclass(frozen=True)
class DeadLetter:
    """A record the batch decided to park; sent once the batch's database work is committed."""

    record: ConsumerRecord[bytes, bytes]
    reason: DeadLetterReason
    #: Exception class and a short message without bound values (faults.describe).
    error: str
    attempts: int


class DeadLetterWriter:
    def __init__(self, *, producer: AIOKafkaProducer, topic: str, group: str) -> None:
        self.producer = producer
        self.topic = topic
        self.group = group

    async def send_all(self, letters: Sequence[DeadLetter]) -> None:
        """Send every letter and wait for every acknowledgement: only then may the consumer
        commit the offsets past them, so a parked message is never lost."""
        deliveries = [await self._send(letter) for letter in letters]
        await asyncio.gather(*deliveries)
        for letter in letters:
            EVENTS_DEAD_LETTERED.labels(self.group, letter.reason.value).inc()
            record = letter.record
            log.warning(
                "dead-lettered %s/%d@%d (%s): %s",
                record.topic,
                record.partition,
                record.offset,
                letter.reason.value,
                letter.error,
            )

    async def _send(self, letter: DeadLetter) -> asyncio.Future[object]:
        record = letter.record
        headers = [
            *list(record.headers or ()),
            ("dlq_reason", letter.reason.value.encode()),
            ("dlq_error", letter.error.encode()[:MAX_ERROR_BYTES]),
            ("dlq_consumer_group", self.group.encode()),
            ("dlq_original_topic", record.topic.encode()),
            ("dlq_original_partition", str(record.partition).encode()),
            ("dlq_original_offset", str(record.offset).encode()),
            ("dlq_attempts", str(letter.attempts).encode()),
        ]
        # send() only queues the message; the returned future resolves on the broker's ack.
        delivery: asyncio.Future[object] = await self.producer.send(
            self.topic, value=record.value, key=record.key, headers=headers
        )
        return delivery
