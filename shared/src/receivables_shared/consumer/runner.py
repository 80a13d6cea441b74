"""The event consumer: read a batch, apply it in the database with an inbox, then commit offsets.

Per fetch (all the partitions it returned):
1. decode every message; a malformed one goes straight to the dead-letter topic (retrying cannot
   fix it), an unknown event type (a newer producer) is skipped;
2. apply the batch in ONE transaction: insert the event ids into the inbox (ON CONFLICT DO NOTHING),
   run the handlers only for ids that were new, commit;
3. if that transaction fails, apply the messages one by one, each in its own transaction, with
   bounded retries and backoff; a message that still fails goes to the dead-letter topic.
   An outage (database unreachable) is nobody's fault: the batch is rewound and retried after a
   pause, for as long as it lasts, and nothing is dead-lettered;
4. commit the Kafka offsets only then.
A redelivered event finds its id in the inbox and changes nothing; a poison message costs at most
max_attempts tries before it is parked with its error and consumer group.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError
from sqlalchemy.ext.asyncio import AsyncSession

from receivables_shared.clock import Clock
from receivables_shared.consumer.dead_letter import DeadLetterWriter
from receivables_shared.consumer.inbox import claim_new
from receivables_shared.db.engine import SessionMaker
from receivables_shared.db.faults import is_transient
from receivables_shared.events.base import Event
from receivables_shared.events.cloudevents import (
    EventMeta,
    MalformedEvent,
    ReceivedEvent,
    UnknownEventType,
    decode,
)
from receivables_shared.logging import correlation_id
from receivables_shared.metrics import (
    EVENT_LAG,
    EVENTS_CONSUMED,
    EVENTS_DUPLICATE,
    EVENTS_UNKNOWN,
)

log = logging.getLogger(__name__)


def is_outage(error: BaseException) -> bool:
    """The database (or the network) is away or refusing: no event is to blame."""
    return is_transient(error)


@dataclass(frozen=True)
class HandlerContext:
    meta: EventMeta
    clock: Clock


Handler = Callable[[AsyncSession, Any, HandlerContext], Awaitable[None]]
CommitListener = Callable[[Sequence[ReceivedEvent]], None]


@dataclass(frozen=True)
class _Pending:
    record: ConsumerRecord[bytes, bytes]
    received: ReceivedEvent


class EventConsumer:
    def __init__(
        self,
        *,
        group: str,
        handlers: Mapping[type[Event], Handler],
        sessionmaker: SessionMaker,
        consumer: AIOKafkaConsumer,
        dead_letters: DeadLetterWriter,
        clock: Clock,
        batch_size: int = 500,
        max_attempts: int = 5,
        retry_backoff: float = 0.2,
        on_committed: CommitListener | None = None,
    ) -> None:
        self.group = group
        self.handlers = dict(handlers)
        self.sessionmaker = sessionmaker
        self.consumer = consumer
        self.dead_letters = dead_letters
        self.clock = clock
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self.retry_backoff = retry_backoff
        self.on_committed = on_committed

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            batches = await self.consumer.getmany(timeout_ms=200, max_records=self.batch_size)
            if batches:
                await self._process_batches(batches)

    async def _process_batches(
        self, batches: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]
    ) -> None:
        """One fetch, all its partitions: one transaction and one offset commit. Each
        partition's records stay in order; partitions do not depend on each other."""
        try:
            await self.process([record for records in batches.values() for record in records])
        except Exception:
            # Database or broker away. Rewind so nothing is skipped, and back off.
            log.exception("consumer %s failed; rewinding %d partitions", self.group, len(batches))
            for partition, records in batches.items():
                self._rewind(partition, records[0].offset)
            await asyncio.sleep(1.0)
            return
        try:
            await self.consumer.commit(
                {partition: records[-1].offset + 1 for partition, records in batches.items()}
            )
        except KafkaError:
            # Rebalanced away mid-batch: the new owner redelivers, the inbox absorbs it.
            log.warning("offset commit failed (rebalance?)", exc_info=True)

    def _rewind(self, partition: TopicPartition, offset: int) -> None:
        try:
            self.consumer.seek(partition, offset)
        except Exception:
            log.warning("could not rewind %s; it was probably revoked", partition)

    async def process(self, records: Sequence[ConsumerRecord[bytes, bytes]]) -> None:
        """Apply records in the order given (each partition's in offset order)."""
        pending: list[_Pending] = []
        for record in records:
            try:
                received = decode(record.headers, record.value)
            except UnknownEventType as unknown:
                # Counted and logged, not parked: a newer producer may be ahead of this build.
                EVENTS_UNKNOWN.labels(self.group, str(unknown)).inc()
                log.warning("skipping event of unknown type %s", unknown)
                continue
            except MalformedEvent as error:
                await self.dead_letters.send(record, error=error, attempts=1)
                continue
            if type(received.event) in self.handlers:
                pending.append(_Pending(record, received))
        if not pending:
            return
        try:
            await self._apply(pending)
        except Exception as error:
            if is_outage(error):
                raise
            log.warning("batch of %d failed in %s; applying one by one", len(pending), self.group)
            for item in pending:
                await self._apply_with_retries(item)

    async def _apply_with_retries(self, item: _Pending) -> None:
        for attempt in range(1, self.max_attempts + 1):
            try:
                await self._apply([item])
                return
            except Exception as error:
                if is_outage(error):
                    raise  # not the event's fault: rewind and wait, never dead-letter
                if attempt == self.max_attempts:
                    log.error(
                        "event %s failed %d times in %s; dead-lettering",
                        item.received.meta.id,
                        attempt,
                        self.group,
                        exc_info=True,
                    )
                    await self.dead_letters.send(item.record, error=error, attempts=attempt)
                    return
                await asyncio.sleep(self.retry_backoff * 2 ** (attempt - 1))

    async def _apply(self, items: Sequence[_Pending]) -> None:
        applied: list[ReceivedEvent] = []
        duplicates = 0
        async with self.sessionmaker() as session, session.begin():
            fresh = await claim_new(session, self.group, [item.received.meta for item in items])
            for item in items:
                meta = item.received.meta
                if meta.id not in fresh:
                    duplicates += 1
                    continue
                fresh.discard(meta.id)  # the same id twice in one batch applies once
                token = correlation_id.set(meta.correlation_id or str(meta.id))
                try:
                    handler = self.handlers[type(item.received.event)]
                    await handler(session, item.received.event, HandlerContext(meta, self.clock))
                finally:
                    correlation_id.reset(token)
                applied.append(item.received)
        self._observe(applied, duplicates)

    def _observe(self, applied: Sequence[ReceivedEvent], duplicates: int) -> None:
        if duplicates:
            EVENTS_DUPLICATE.labels(self.group).inc(duplicates)
        now = self.clock.now()
        lag = EVENT_LAG.labels(self.group)
        for received in applied:
            lag.observe(max(0.0, (now - received.meta.time).total_seconds()))
        for event_type, count in Counter(r.meta.type for r in applied).items():
            EVENTS_CONSUMED.labels(self.group, event_type).inc(count)
        if self.on_committed is not None and applied:
            self.on_committed(applied)
