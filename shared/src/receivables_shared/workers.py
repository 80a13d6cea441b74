"""A service's background work: the outbox relay and the event consumer, supervised."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from receivables_shared.clock import Clock
from receivables_shared.consumer.dead_letter import DeadLetterWriter
from receivables_shared.consumer.inbox import purge_inbox
from receivables_shared.consumer.runner import EventConsumer
from receivables_shared.db.engine import SessionMaker
from receivables_shared.db.faults import describe, is_transient
from receivables_shared.idempotency.retention import purge_idempotency_keys
from receivables_shared.jobs import JobContext, PeriodicJob
from receivables_shared.kafka import create_consumer, create_producer, ensure_topics
from receivables_shared.outbox.relay import OutboxRelay, sleep_or_stop
from receivables_shared.service import ServiceDefinition
from receivables_shared.settings import ServiceSettings

log = logging.getLogger(__name__)

HOUSEKEEPING_INTERVAL_SECONDS = 600


async def housekeep(
    relay: OutboxRelay, sessionmaker: SessionMaker, clock: Clock, settings: ServiceSettings
) -> None:
    """One round of forgetting: published outbox rows, old idempotency keys, old inbox ids."""
    await relay.purge_published()
    await purge_idempotency_keys(
        sessionmaker, clock, timedelta(hours=settings.idempotency_retention_hours)
    )
    await purge_inbox(sessionmaker, clock, timedelta(hours=settings.inbox_retention_hours))


def repeat(job: PeriodicJob, context: JobContext) -> Callable[[asyncio.Event], Awaitable[None]]:
    """The loop of one periodic job: a round, then its interval, until the worker stops."""

    async def loop(stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await job.run(context)
            except Exception as error:
                if not is_transient(error):
                    raise  # _supervise logs it and restarts the loop
                # The database is away: the next round does what this one could not.
                log.warning("job %s skipped a round: %s", job.name, describe(error))
            await sleep_or_stop(stop, job.interval_seconds(context.settings))

    return loop


class ServiceWorkers:
    def __init__(
        self,
        definition: ServiceDefinition,
        settings: ServiceSettings,
        sessionmaker: SessionMaker,
        clock: Clock,
    ) -> None:
        self.definition = definition
        self.settings = settings
        self.sessionmaker = sessionmaker
        self.clock = clock
        self.bootstrap = settings.resolved_kafka_bootstrap_servers()
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._producer: AIOKafkaProducer | None = None
        self._consumer: AIOKafkaConsumer | None = None

    async def start(self) -> None:
        definition, settings = self.definition, self.settings
        await ensure_topics(
            self.bootstrap,
            [definition.topic, definition.dead_letter_topic, *definition.consumed_topics],
            partitions=settings.kafka_topic_partitions,
            replication_factor=settings.kafka_replication_factor,
            # The inbox retention is checked against this (settings.py): make the broker keep it.
            retention_hours=settings.kafka_topic_retention_hours,
        )
        self._producer = create_producer(
            self.bootstrap, enable_idempotence=settings.kafka_enable_idempotence
        )
        await self._producer.start()
        relay = OutboxRelay(
            service=definition.name,
            sessionmaker=self.sessionmaker,
            producer=self._producer,
            clock=self.clock,
            batch_size=settings.outbox_batch_size,
            poll_interval=settings.outbox_poll_interval_seconds,
            retention=timedelta(hours=settings.outbox_retention_hours),
            backoff_max=settings.outbox_backoff_max_seconds,
        )
        self._tasks.append(asyncio.create_task(self._supervise("outbox-relay", relay.run)))

        async def housekeeping(stop: asyncio.Event) -> None:
            while not stop.is_set():
                try:
                    await housekeep(relay, self.sessionmaker, self.clock, settings)
                except Exception as error:
                    if not is_transient(error):
                        raise
                    # The database is away: forgetting old rows can wait for the next round.
                    log.warning("housekeeping skipped: %s", describe(error))
                await sleep_or_stop(stop, HOUSEKEEPING_INTERVAL_SECONDS)

        self._tasks.append(asyncio.create_task(self._supervise("housekeeping", housekeeping)))
        context = JobContext(sessionmaker=self.sessionmaker, clock=self.clock, settings=settings)
        for job in definition.jobs:
            self._tasks.append(
                asyncio.create_task(self._supervise(f"job {job.name}", repeat(job, context)))
            )
        if definition.handlers:
            self._consumer = create_consumer(
                self.bootstrap,
                group_id=definition.consumer_group,
                topics=definition.consumed_topics,
                session_timeout_ms=settings.kafka_session_timeout_ms,
                fetch_max_wait_ms=settings.kafka_fetch_max_wait_ms,
            )
            await self._consumer.start()
            consumer = EventConsumer(
                group=definition.consumer_group,
                handlers=definition.handlers,
                sessionmaker=self.sessionmaker,
                consumer=self._consumer,
                dead_letters=DeadLetterWriter(
                    producer=self._producer,
                    topic=definition.dead_letter_topic,
                    group=definition.consumer_group,
                ),
                clock=self.clock,
                batch_size=settings.consumer_batch_size,
                max_attempts=settings.consumer_max_attempts,
                retry_backoff=settings.consumer_retry_backoff_seconds,
                outage_backoff_max=settings.consumer_outage_backoff_max_seconds,
            )
            self._tasks.append(asyncio.create_task(self._supervise("consumer", consumer.run)))
        log.info("workers started", extra={"topics": definition.consumed_topics})

    async def _supervise(self, name: str, run: Callable[[asyncio.Event], Awaitable[None]]) -> None:
        while not self._stop.is_set():
            try:
                await run(self._stop)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s crashed; restarting in 1 s", name)
                await asyncio.sleep(1.0)

    async def stop(self) -> None:
        self._stop.set()
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=10)
            for task in pending:
                task.cancel()
        if self._consumer is not None:
            await self._consumer.stop()
        if self._producer is not None:
            await self._producer.stop()
