"""The outbox relay: publishes committed outbox rows to Kafka, then marks them published.

Several replicas may run. Rows are spread over lanes by partition key (customer id). Each batch
first takes transaction-scoped advisory locks on up to half the lanes that have work, picked at
random among the free ones, then claims those lanes' oldest rows (FOR UPDATE SKIP LOCKED). So two
relays work on different lanes at the same time, no row is published by two relays at once, and
a customer's events are published by one relay at a time, in the order they were written.

A relay that dies after publishing but before marking re-publishes the batch on the next claim;
consumers' inboxes absorb those duplicates (at-least-once + idempotent consumers).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import cast

from aiokafka import AIOKafkaProducer
from sqlalchemy import Table, Text, delete, select, text, update
from sqlalchemy import cast as cast_

from receivables_shared.clock import Clock
from receivables_shared.db.engine import SessionMaker
from receivables_shared.events.cloudevents import encode_headers
from receivables_shared.metrics import OUTBOX_PUBLISHED
from receivables_shared.outbox.models import LANES, OutboxEvent

log = logging.getLogger(__name__)

_outbox = cast(Table, OutboxEvent.__table__)

# Lanes with unpublished rows (one index probe each), in random order, locked as they are read
# until `share` are held. The locks end with the transaction, after the batch is published and
# marked.
_TAKE_LANES = text(
    f"""
    SELECT lane FROM (
        SELECT l.lane FROM generate_series(0, {LANES - 1}) AS l(lane)
        WHERE EXISTS (
            SELECT 1 FROM outbox_events o WHERE o.lane = l.lane AND o.published_at IS NULL
        )
        ORDER BY random()
    ) AS busy
    WHERE pg_try_advisory_xact_lock(hashtext(:relay), lane)
    LIMIT :share
    """
)


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
    ) -> None:
        self.service = service
        self.sessionmaker = sessionmaker
        self.producer = producer
        self.clock = clock
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.retention = retention

    async def publish_pending(self) -> int:
        """Publish one batch of unpublished rows; returns how many were published."""
        async with self.sessionmaker() as session, session.begin():
            lanes = list(
                await session.scalars(
                    _TAKE_LANES, {"relay": f"outbox:{self.service}", "share": LANES // 2}
                )
            )
            if not lanes:
                return 0  # nothing to publish, or other relays hold the lanes with work
            rows = (
                await session.execute(
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
                    .where(_outbox.c.published_at.is_(None), _outbox.c.lane.in_(lanes))
                    .order_by(_outbox.c.id)
                    .limit(self.batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                return 0
            deliveries = []
            for row in rows:
                headers = encode_headers(
                    event_id=row.event_id,
                    event_type=row.event_type,
                    source=row.source,
                    time=row.occurred_at,
                    correlation_id=row.correlation_id,
                )
                body = row.body.encode()
                deliveries.append(
                    await self.producer.send(
                        row.topic, value=body, key=row.partition_key.encode(), headers=headers
                    )
                )
            # Every message must be acknowledged by the broker before the rows are marked.
            await asyncio.gather(*deliveries)
            await session.execute(
                update(_outbox)
                .where(_outbox.c.id.in_([row.id for row in rows]))
                .values(published_at=self.clock.now())
            )
        OUTBOX_PUBLISHED.labels(self.service).inc(len(rows))
        return len(rows)

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
        while not stop.is_set():
            try:
                published = await self.publish_pending()
            except Exception:
                # Broker or database away: the rows stay unpublished; try again shortly.
                log.exception("outbox relay failed; retrying")
                published = 0
                await sleep_or_stop(stop, 1.0)
            if published == 0:
                # Only when idle: a batch covers at most half the busy lanes, so a short batch
                # does not mean the other lanes are empty.
                await sleep_or_stop(stop, self.poll_interval)


async def sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
