"""The outbox relay: publishes committed outbox rows to Kafka, then marks them published.

Several replicas may run. Rows are spread over lanes by partition key (customer id). Each batch
first takes transaction-scoped advisory locks on up to half the lanes that have work, picked at
random among the free ones, then claims those lanes' oldest rows (FOR UPDATE SKIP LOCKED). So two
relays work on different lanes at the same time, no row is published by two relays at once, and
a customer's events are published by one relay at a time, in the order they were written.

Faults (docs/reliability-outbox.md):
- a row the broker refuses for good (too large, illegal topic, any non-retriable answer for that
  record) is PARKED with its error (parked_at, publish_error), counted and logged at ERROR. Its
  customer's later rows are HELD behind it, so that customer's order is kept; the rest of the
  lane carries on. An operator re-queues it (parked_at = NULL) or gives it up (DELETE);
- a transient broker fault leaves the rows it hit unpublished; a database fault rolls the whole
  batch back. Either way the relay backs off (exponentially, capped) and tries again.

A relay that dies (or loses the database) after publishing but before marking re-publishes the
batch on the next claim; consumers' inboxes absorb those duplicates (at-least-once + idempotent
consumers). No row is ever lost: it is marked only after the broker acknowledged it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

from aiokafka import AIOKafkaProducer
from sqlalchemy import Row, Table, Text, delete, select, text, update
from sqlalchemy import cast as cast_
from sqlalchemy.ext.asyncio import AsyncSession

from receivables_shared.clock import Clock
from receivables_shared.db.engine import SessionMaker
from receivables_shared.db.faults import describe, is_transient
from receivables_shared.events.cloudevents import encode_headers
from receivables_shared.metrics import OUTBOX_PARKED, OUTBOX_PUBLISHED
from receivables_shared.outbox.faults import illegal_topic, publish_error_text, refused_for_good
from receivables_shared.outbox.models import LANES, OutboxEvent, ready_to_publish

log = logging.getLogger(__name__)

_outbox = cast(Table, OutboxEvent.__table__)
_READY = text(ready_to_publish("outbox_events"))

# Lanes with rows ready to go (neither parked nor held behind a parked row), in random order,
# locked as they are read until `share` are held. The locks end with the transaction, after the
# batch is published and marked. MATERIALIZED is what makes LIMIT bound the locks: in a plain
# subquery PostgreSQL pushes the lock call below the sort, so one relay locked every busy lane
# (and returned only `share` of them), leaving the other relays nothing to do.
_TAKE_LANES = text(
    f"""
    WITH busy AS MATERIALIZED (
        SELECT l.lane FROM generate_series(0, {LANES - 1}) AS l(lane)
        WHERE EXISTS (
            SELECT 1 FROM outbox_events o WHERE o.lane = l.lane AND {ready_to_publish("o")}
        )
        ORDER BY random()
    )
    SELECT lane FROM busy
    WHERE pg_try_advisory_xact_lock(hashtext(:relay), lane)
    LIMIT :share
    """
)


class BrokerUnavailable(Exception):
    """Some rows of the batch met a transient broker fault; they stay unpublished."""


@dataclass
class _Outcome:
    published: list[int] = field(default_factory=list)
    refused: list[tuple[Row[Any], BaseException]] = field(default_factory=list)
    transient: BaseException | None = None


class OutboxRelay:
    def __init__(
        self,
        *,
        service: str,
        sessionmaker: SessionMaker,
        producer: AIOKafkaProducer,
        clock: Clock,
        batch_size: int = 500,
        poll_interval: float = 0.05,
        retention: timedelta = timedelta(hours=24),
        backoff_initial: float = 0.5,
        backoff_max: float = 30.0,
    ) -> None:
        self.service = service
        self.sessionmaker = sessionmaker
        self.producer = producer
        self.clock = clock
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.retention = retention
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max

    async def publish_pending(self) -> int:
        """Publish one batch of ready rows; returns how many were published.

        Rows refused for good are parked in the same transaction. Raises BrokerUnavailable
        (after marking what did go out) when a transient broker fault kept rows back."""
        async with self.sessionmaker() as session, session.begin():
            lanes = list(
                await session.scalars(
                    _TAKE_LANES, {"relay": f"outbox:{self.service}", "share": LANES // 2}
                )
            )
            if not lanes:
                return 0  # nothing to publish, or other relays hold the lanes with work
            rows = await self._claim(session, lanes)
            if not rows:
                return 0
            outcome = await self._send(rows)
            if outcome.published:
                await session.execute(
                    update(_outbox)
                    .where(_outbox.c.id.in_(outcome.published))
                    .values(published_at=self.clock.now())
                )
            for row, error in outcome.refused:
                await session.execute(
                    update(_outbox)
                    .where(_outbox.c.id == row.id)
                    .values(parked_at=self.clock.now(), publish_error=publish_error_text(error))
                )
        OUTBOX_PUBLISHED.labels(self.service).inc(len(outcome.published))
        self._report_parked(outcome.refused)
        if outcome.transient is not None:
            raise BrokerUnavailable(publish_error_text(outcome.transient)) from outcome.transient
        return len(outcome.published)

    async def _claim(self, session: AsyncSession, lanes: list[int]) -> Sequence[Row[Any]]:
        result = await session.execute(
            select(
                _outbox.c.id,
                _outbox.c.event_id,
                _outbox.c.event_type,
                _outbox.c.topic,
                _outbox.c.partition_key,
                _outbox.c.source,
                _outbox.c.occurred_at,
                _outbox.c.correlation_id,
                # As text: the body goes out as stored, with no decode and re-encode.
                cast_(_outbox.c.payload, Text).label("body"),
            )
            .where(_outbox.c.lane.in_(lanes), _READY)
            .order_by(_outbox.c.id)
            .limit(self.batch_size)
            .with_for_update(of=_outbox, skip_locked=True)
        )
        return result.all()

    async def _send(self, rows: Sequence[Row[Any]]) -> _Outcome:
        """Send the rows in order and wait for every acknowledgement; sort out the answers."""
        outcome = _Outcome()
        # Keys with a refused row in this batch: their later rows wait (held), to keep order.
        held: set[str] = set()
        sent: list[tuple[Row[Any], asyncio.Future[Any]]] = []
        for row in rows:
            if row.partition_key in held:
                continue
            if (illegal := illegal_topic(row.topic)) is not None:
                outcome.refused.append((row, illegal))
                held.add(row.partition_key)
                continue
            headers = encode_headers(
                event_id=row.event_id,
                event_type=row.event_type,
                source=row.source,
                time=row.occurred_at,
                correlation_id=row.correlation_id,
            )
            try:
                delivery = await self.producer.send(
                    row.topic,
                    value=row.body.encode(),
                    key=row.partition_key.encode(),
                    headers=headers,
                )
            except Exception as error:
                if refused_for_good(error):  # e.g. larger than max_request_size
                    outcome.refused.append((row, error))
                    held.add(row.partition_key)
                    continue
                outcome.transient = error  # broker away: the rest waits for the next round
                break
            sent.append((row, delivery))
        # Every message must be acknowledged by the broker before its row is marked.
        answers = await asyncio.gather(*(delivery for _, delivery in sent), return_exceptions=True)
        for (row, _), answer in zip(sent, answers, strict=True):
            if not isinstance(answer, BaseException):
                outcome.published.append(row.id)
            elif refused_for_good(answer):
                # Later rows of this key may already be out: the broker refused this one after
                # they were sent. Order for that key is then broken; see the docs.
                outcome.refused.append((row, answer))
            else:
                outcome.transient = outcome.transient or answer
        return outcome

    def _report_parked(self, refused: Sequence[tuple[Row[Any], BaseException]]) -> None:
        if not refused:
            return
        OUTBOX_PARKED.labels(self.service).inc(len(refused))
        for row, error in refused:
            log.error(
                "outbox row %s (event %s, %s to %s) parked: the broker refused it for good: %s;"
                " later events of key %s are held until it is re-queued or deleted",
                row.id,
                row.event_id,
                row.event_type,
                row.topic,
                publish_error_text(error),
                row.partition_key,
                extra={"outbox_id": row.id, "event_id": str(row.event_id)},
            )

    async def purge_published(self) -> None:
        """Forget rows published longer ago than the retention (called by housekeeping)."""
        cutoff = self.clock.now() - self.retention
        async with self.sessionmaker() as session, session.begin():
            await session.execute(
                delete(_outbox).where(
                    _outbox.c.published_at.is_not(None), _outbox.c.published_at < cutoff
                )
            )

    async def run(self, stop: asyncio.Event) -> None:
        failures = 0
        while not stop.is_set():
            try:
                published = await self.publish_pending()
                failures = 0
            except Exception as error:
                # Broker or database away: nothing was lost (unmarked rows go again); wait longer
                # after each failure in a row, so an outage is not hammered.
                failures += 1
                pause = min(self.backoff_max, self.backoff_initial * 2 ** min(failures - 1, 16))
                if isinstance(error, BrokerUnavailable):
                    log.warning("outbox relay: %s; retrying in %.1f s", error, pause)
                elif is_transient(error):
                    # db.faults.describe: the database's error text may quote a bound value.
                    log.warning("outbox relay: %s; retrying in %.1f s", describe(error), pause)
                else:
                    log.exception("outbox relay failed; retrying in %.1f s", pause)
                await sleep_or_stop(stop, pause)
                continue
            if published == 0:
                # Only when idle: a batch covers at most half the busy lanes, so a short batch
                # does not mean the other lanes are empty.
                await sleep_or_stop(stop, self.poll_interval)


async def sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
