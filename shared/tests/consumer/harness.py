"""A consumer group member on a fresh topic, a test handler that records its effects, and the
dead-letter topic to look at: what every consumer test starts from."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from aiokafka import AIOKafkaProducer, ConsumerRecord
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from receivables_shared.clock import SystemClock
from receivables_shared.consumer import EventConsumer, HandlerContext
from receivables_shared.consumer.dead_letter import DeadLetterWriter
from receivables_shared.db.engine import SessionMaker
from receivables_shared.events import InvoiceIssued
from receivables_shared.kafka import create_consumer
from receivables_shared.testing.helpers import eventually
from receivables_shared.testing.kafka import read_for, read_topic
from shared.tests.conftest import Effect

CUSTOMER = uuid.uuid4()

#: Extra work a test's handler does after recording its effect (e.g. a statement that fails).
HandlerStep = Callable[[AsyncSession, InvoiceIssued], Awaitable[None]]


def create_event(number: str, customer_id: uuid.UUID = CUSTOMER) -> InvoiceIssued:
    return InvoiceIssued(
        customer_id=customer_id,
        invoice_id=uuid.uuid4(),
        number=number,
        currency="EUR",
        total=Decimal("10.00"),
        issue_date=date(2026, 3, 2),
        due_date=date(2026, 4, 1),
    )


@dataclass
class Harness:
    topic: str
    dead_letter_topic: str
    group: str
    producer: AIOKafkaProducer
    sessionmaker: SessionMaker
    bootstrap: str
    #: Where effects are read from; the consumer's own database access may be broken on purpose.
    reader: SessionMaker | None = None
    failures: dict[str, int] = field(default_factory=dict)  # invoice number -> failures left
    step: HandlerStep | None = None
    calls: int = 0

    async def handler(
        self, session: AsyncSession, event: InvoiceIssued, context: HandlerContext
    ) -> None:
        self.calls += 1
        session.add(Effect(event_id=context.meta.id, note=event.number))
        await session.flush()
        if self.step is not None:
            await self.step(session, event)
        left = self.failures.get(event.number, 0)
        if left:
            self.failures[event.number] = left - 1
            raise RuntimeError(f"handler refused {event.number}")

    async def effects(self) -> list[str]:
        async with (self.reader or self.sessionmaker)() as session:
            return list(await session.scalars(select(Effect.note).order_by(Effect.note)))

    def effects_are(self, *notes: str) -> Callable[[], Awaitable[bool]]:
        async def probe() -> bool:
            return await self.effects() == sorted(notes)

        return probe

    @asynccontextmanager
    async def consuming(self, max_attempts: int = 3) -> AsyncIterator[EventConsumer]:
        """A group member consuming in the background while the block runs."""
        kafka_consumer = create_consumer(
            self.bootstrap, group_id=self.group, topics=[self.topic], session_timeout_ms=2000
        )
        await kafka_consumer.start()
        consumer = EventConsumer(
            group=self.group,
            handlers={InvoiceIssued: self.handler},
            sessionmaker=self.sessionmaker,
            consumer=kafka_consumer,
            dead_letters=DeadLetterWriter(
                producer=self.producer, topic=self.dead_letter_topic, group=self.group
            ),
            clock=SystemClock(),
            max_attempts=max_attempts,
            retry_backoff=0.01,
            outage_backoff=0.05,
            outage_backoff_max=0.5,
        )
        stop = asyncio.Event()
        task = asyncio.create_task(consumer.run(stop))
        try:
            yield consumer
        finally:
            stop.set()
            await task
            await kafka_consumer.stop()

    async def running(
        self, until: Callable[[], Awaitable[object]], max_attempts: int = 3
    ) -> EventConsumer:
        async with self.consuming(max_attempts) as consumer:
            await eventually(until)
        return consumer

    async def dead_letters(self, *, at_least: int = 1) -> list[ConsumerRecord[bytes, bytes]]:
        """The dead-letter topic once `at_least` arrived, plus whatever follows within 2 s: so a
        duplicate would show."""
        await read_topic(self.bootstrap, self.dead_letter_topic, lambda rs: len(rs) >= at_least)
        return await read_for(self.bootstrap, self.dead_letter_topic, seconds=2)
