"""The event consumer: read a batch, apply it in the database with an inbox, then commit offsets.

Per fetch (all the partitions it returned):
1. decode every message. A malformed one is marked for the dead-letter topic (retrying cannot fix
   it); so is a version this build cannot read of an event type it handles (replayable after an
   upgrade). A type it has no handler for at all is skipped and counted;
2. apply the batch in ONE transaction: insert the event ids into the inbox (ON CONFLICT DO NOTHING),
   run the handlers only for ids that were new, commit;
3. if that transaction fails, apply the messages one by one, each in its own transaction, with
   bounded retries and backoff; a message that still fails is marked for the dead-letter topic;
4. send the marked messages to the dead-letter topic and wait for the broker's acknowledgement;
5. commit the Kafka offsets only then.
A transient fault (db/faults.py: the database away, refusing, read-only, out of connections, or a
lost deadlock/serialization race) is nobody's fault: the fetch is rewound and tried again, at once
after a lost race, with a growing pause during an outage, and nothing is dead-lettered. Because
step 4 comes after the database work, a retried fetch never parks a message twice.
A redelivered event finds its id in the inbox and changes nothing; a poison message costs at most
max_attempts tries before it is parked with its error and consumer group.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError
from sqlalchemy.ext.asyncio import AsyncSession

from receivables_shared.clock import Clock
from receivables_shared.consumer.dead_letter import DeadLetter, DeadLetterReason, DeadLetterWriter
from receivables_shared.consumer.inbox import claim_new
from receivables_shared.db.engine import SessionMaker
from receivables_shared.db.faults import describe, is_contention, is_transient, safe_traceback
from receivables_shared.events.base import Event, event_name_of
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
    event_type_label,
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
        outage_backoff: float = 0.5,
        outage_backoff_max: float = 5.0,
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
        self.outage_backoff = outage_backoff
        self.outage_backoff_max = outage_backoff_max
        self.on_committed = on_committed
        # An event name is handled when any of its versions has a handler (InvoiceIssued.v1
        # handled means InvoiceIssued.v2 must be parked, not skipped).
        self._handled_names = {event_name_of(cls.event_type()) for cls in self.handlers}
        self._outage_retries = 0

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            batches = await self.consumer.getmany(timeout_ms=200, max_records=self.batch_size)
            if batches:
                await self._process_batches(batches, stop)

    async def _process_batches(
        self,
        batches: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]],
        stop: asyncio.Event,
    ) -> None:
        """One fetch, all its partitions: one transaction and one offset commit. Each
        partition's records stay in order; partitions do not depend on each other."""
        try:
            await self.process([record for records in batches.values() for record in records])
        except Exception as error:
            # Nothing of this fetch is committed (offsets) or parked: rewind so it all comes
            # again, after a pause that suits the fault.
            for partition, records in batches.items():
                self._rewind(partition, records[0].offset)
            await self._pause_after(error, stop, partitions=len(batches))
            return
        self._outage_retries = 0
        try:
            await self.consumer.commit(
                {partition: records[-1].offset + 1 for partition, records in batches.items()}
            )
        except KafkaError:
            # Rebalanced away mid-batch: the new owner redelivers, the inbox absorbs it.
            log.warning("offset commit failed (rebalance?)", exc_info=True)

    async def _pause_after(self, error: Exception, stop: asyncio.Event, *, partitions: int) -> None:
        if is_contention(error):
            # A lost deadlock or serialization race: the next try usually wins.
            delay = self.retry_backoff
        else:
            # An outage (or the broker refusing dead letters): back off, up to a ceiling.
            self._outage_retries += 1
            delay = min(
                self.outage_backoff * 2 ** (self._outage_retries - 1), self.outage_backoff_max
            )
        # describe(): the error without bound values; where it came from only at DEBUG.
        log.warning(
            "consumer %s: %s; rewinding %d partitions, retrying in %.2f s",
            self.group,
            describe(error),
            partitions,
            delay,
        )
        log.debug("consumer %s fetch failed:\n%s", self.group, safe_traceback(error))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=delay)

    def _rewind(self, partition: TopicPartition, offset: int) -> None:
        try:
            self.consumer.seek(partition, offset)
        except Exception:
            log.warning("could not rewind %s; it was probably revoked", partition)

    async def process(self, records: Sequence[ConsumerRecord[bytes, bytes]]) -> None:
        """Apply records in the order given (each partition's in offset order), then park the
        ones to park. Raises on a transient fault, having parked nothing."""
        pending, dead_letters = self._decode(records)
        if pending:
            dead_letters.extend(await self._apply_batch(pending))
        if dead_letters:
            dead_letters.sort(key=lambda d: (d.record.topic, d.record.partition, d.record.offset))
            await self.dead_letters.send_all(dead_letters)

    def _decode(
        self, records: Sequence[ConsumerRecord[bytes, bytes]]
    ) -> tuple[list[_Pending], list[DeadLetter]]:
        pending: list[_Pending] = []
        dead_letters: list[DeadLetter] = []
        for record in records:
            try:
                received = decode(record.headers, record.value)
            except UnknownEventType as unknown:
                if event_name_of(unknown.event_type) in self._handled_names:
                    # Never skipped: parked until an upgraded consumer replays it.
                    error = (
                        f"UnknownEventVersion: {unknown.event_type} is not readable by this build"
                    )
                    dead_letters.append(
                        DeadLetter(record, DeadLetterReason.UNKNOWN_VERSION, error, attempts=0)
                    )
                    continue
                # A type this group does not handle in any version: not its business.
                EVENTS_UNKNOWN.labels(self.group, event_type_label(unknown.event_type)).inc()
                log.warning("skipping event of unknown type %s", unknown.event_type)
                continue
            except MalformedEvent as error:
                dead_letters.append(
                    DeadLetter(record, DeadLetterReason.MALFORMED, describe(error), attempts=1)
                )
                continue
            if type(received.event) in self.handlers:
                pending.append(_Pending(record, received))
        return pending, dead_letters

    async def _apply_batch(self, pending: Sequence[_Pending]) -> list[DeadLetter]:
        """The whole batch in one transaction; if an event spoils it, one by one."""
        try:
            await self._apply(pending)
            return []
        except Exception as error:
            if is_outage(error):
                raise
            log.warning(
                "batch of %d failed in %s (%s); applying one by one",
                len(pending),
                self.group,
                describe(error),
            )
        dead_letters: list[DeadLetter] = []
        for item in pending:
            if (dead_letter := await self._apply_with_retries(item)) is not None:
                dead_letters.append(dead_letter)
        return dead_letters

    async def _apply_with_retries(self, item: _Pending) -> DeadLetter | None:
        for attempt in range(1, self.max_attempts + 1):
            try:
                await self._apply([item])
                return None
            except Exception as error:
                if is_outage(error):
                    raise  # not the event's fault: rewind and wait, never dead-letter
                if attempt == self.max_attempts:
                    reason = describe(error)
                    log.error(
                        "event %s failed %d times in %s; dead-lettering: %s",
                        item.received.meta.id,
                        attempt,
                        self.group,
                        reason,
                    )
                    log.debug("event %s failed:\n%s", item.received.meta.id, safe_traceback(error))
                    return DeadLetter(item.record, DeadLetterReason.FAILED, reason, attempt)
                await asyncio.sleep(self.retry_backoff * 2 ** (attempt - 1))
        return None  # max_attempts < 1: nothing was tried

    async def _apply(self, items: Sequence[_Pending]) -> None:
        applied: list[ReceivedEvent] = []
        duplicates = 0
        debug = log.isEnabledFor(logging.DEBUG)
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
                    if debug:  # follow a request id across services
                        log.debug(
                            "handling %s %s",
                            meta.type,
                            meta.id,
                            extra={"event_type": meta.type, "event_id": str(meta.id)},
                        )
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
            EVENTS_CONSUMED.labels(self.group, event_type_label(event_type)).inc(count)
        if self.on_committed is not None and applied:
            self.on_committed(applied)
