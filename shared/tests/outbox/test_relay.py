import asyncio
import uuid
from collections import Counter
from datetime import date
from decimal import Decimal

from aiokafka import AIOKafkaProducer
from sqlalchemy import func, select, text

from receivables_shared.clock import SystemClock
from receivables_shared.db.engine import SessionMaker
from receivables_shared.events import InvoiceIssued
from receivables_shared.outbox import record_event
from receivables_shared.outbox.models import LANES, OutboxEvent, lane_of
from receivables_shared.outbox.relay import _TAKE_LANES, OutboxRelay
from receivables_shared.testing.kafka import header, read_topic, started_producer

CLOCK = SystemClock()


def create_event(customer_id: uuid.UUID | None = None) -> InvoiceIssued:
    return InvoiceIssued(
        customer_id=customer_id or uuid.uuid4(),
        invoice_id=uuid.uuid4(),
        number="INV-2026-000001",
        currency="EUR",
        total=Decimal("99.99"),
        issue_date=date(2026, 3, 2),
        due_date=date(2026, 4, 1),
    )


async def create_relay(
    sessionmaker: SessionMaker,
    bootstrap: str,
    batch_size: int = 500,
    producer: AIOKafkaProducer | None = None,
) -> OutboxRelay:
    producer = producer or await started_producer(bootstrap)
    return OutboxRelay(
        service="test",
        sessionmaker=sessionmaker,
        producer=producer,
        clock=CLOCK,
        batch_size=batch_size,
    )


async def unpublished(sessionmaker: SessionMaker) -> int:
    async with sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.published_at.is_(None))
        )
    return count or 0


async def open_two_connections(sessionmaker: SessionMaker) -> None:
    """Both relays find an open connection in the pool: on a loaded machine a fresh connect can
    take longer than the other relay needs to drain everything, which proves nothing."""
    async with sessionmaker() as first, sessionmaker() as second:
        await asyncio.gather(first.execute(text("SELECT 1")), second.execute(text("SELECT 1")))


async def drain(relay: OutboxRelay, sessionmaker: SessionMaker) -> int:
    """Publish until the outbox is empty; a relay may find its lanes empty or taken meanwhile."""
    total = 0
    for _ in range(500):
        published = await relay.publish_pending()
        total += published
        if not published:
            if not await unpublished(sessionmaker):
                return total
            await asyncio.sleep(0.01)
    raise AssertionError("the outbox did not drain")


async def test_committed_event_is_published_as_a_keyed_cloudevent_and_marked(
    sessionmaker: SessionMaker, kafka_bootstrap: str
) -> None:
    event = create_event()
    async with sessionmaker() as session, session.begin():
        row = record_event(session, event, clock=CLOCK)
    relay = await create_relay(sessionmaker, kafka_bootstrap)

    try:
        published = await relay.publish_pending()
    finally:
        await relay.producer.stop()

    assert published == 1
    records = await read_topic(
        kafka_bootstrap,
        "invoicing.events",
        lambda rs: any(header(r, "ce_id") == str(row.event_id) for r in rs),
    )
    record = next(r for r in records if header(r, "ce_id") == str(row.event_id))
    assert record.key == str(event.customer_id).encode()
    assert header(record, "ce_type") == "receivables.InvoiceIssued.v1"
    assert header(record, "ce_source") == "/invoicing"
    assert InvoiceIssued.model_validate_json(record.value or b"") == event
    async with sessionmaker() as session:
        marked = await session.get(OutboxEvent, row.id)
    assert marked is not None and marked.published_at is not None


async def test_rolled_back_event_is_never_published(
    sessionmaker: SessionMaker, kafka_bootstrap: str
) -> None:
    async with sessionmaker() as session:
        record_event(session, create_event(), clock=CLOCK)
        await session.flush()
        await session.rollback()
    relay = await create_relay(sessionmaker, kafka_bootstrap)

    try:
        assert await relay.publish_pending() == 0
    finally:
        await relay.producer.stop()


async def test_two_relays_publish_every_row_exactly_once(
    sessionmaker: SessionMaker, kafka_bootstrap: str
) -> None:
    async with sessionmaker() as session, session.begin():
        rows = [record_event(session, create_event(), clock=CLOCK) for _ in range(600)]
    ids = {str(row.event_id) for row in rows}
    # One producer for both: the claim under test is the database's (SKIP LOCKED). Two Tansu
    # producers appending to one partition at once have been seen to lose records in CI.
    producer = await started_producer(kafka_bootstrap)
    relays = [
        await create_relay(sessionmaker, kafka_bootstrap, batch_size=40, producer=producer)
        for _ in range(2)
    ]
    await open_two_connections(sessionmaker)

    try:
        counts = await asyncio.gather(*(drain(relay, sessionmaker) for relay in relays))
    finally:
        await producer.stop()

    assert sum(counts) == 600
    assert all(counts), counts  # both relays took a share
    records = await read_topic(
        kafka_bootstrap,
        "invoicing.events",
        lambda rs: len({header(r, "ce_id") for r in rs} & ids) == 600,
    )
    seen = Counter(header(r, "ce_id") for r in records if header(r, "ce_id") in ids)
    assert set(seen.values()) == {1}
    assert await unpublished(sessionmaker) == 0


async def test_two_relays_keep_each_customers_events_in_order(
    sessionmaker: SessionMaker, kafka_bootstrap: str
) -> None:
    # Every lane busy: a relay takes half the busy lanes, so both have work from the start.
    customers = one_key_per_lane()
    async with sessionmaker() as session, session.begin():
        rows = [
            record_event(session, create_event(customers[i % len(customers)]), clock=CLOCK)
            for i in range(30 * len(customers))
        ]
    written = {str(row.event_id): row.id for row in rows}
    producer = await started_producer(kafka_bootstrap)
    relays = [
        await create_relay(sessionmaker, kafka_bootstrap, batch_size=25, producer=producer)
        for _ in range(2)
    ]
    await open_two_connections(sessionmaker)

    try:
        counts = await asyncio.gather(*(drain(relay, sessionmaker) for relay in relays))
    finally:
        await producer.stop()

    assert sum(counts) == len(written)
    assert all(counts), counts  # both relays worked, on different lanes
    records = await read_topic(
        kafka_bootstrap,
        "invoicing.events",
        lambda rs: len({header(r, "ce_id") for r in rs} & written.keys()) == len(written),
    )
    by_customer: dict[bytes, list[int]] = {}
    for record in records:
        if (event_id := header(record, "ce_id")) in written:
            by_customer.setdefault(record.key or b"", []).append(written[event_id])
    assert len(by_customer) == len(customers)
    for published_order in by_customer.values():
        assert published_order == sorted(published_order)  # as written, per customer


def one_key_per_lane() -> list[uuid.UUID]:
    keys: dict[int, uuid.UUID] = {}
    while len(keys) < LANES:
        key = uuid.uuid4()
        keys.setdefault(lane_of(str(key)), key)
    return list(keys.values())


async def test_a_relay_locks_only_its_share_of_the_busy_lanes(sessionmaker: SessionMaker) -> None:
    # The relays' fairness rests on this: with every lane busy, each takes half and leaves the
    # other half free. (A plain subquery let PostgreSQL lock every lane while returning half.)
    async with sessionmaker() as session, session.begin():
        for key in one_key_per_lane():
            record_event(session, create_event(key), clock=CLOCK)
    params = {"relay": "outbox:test", "share": LANES // 2}
    held = text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
    )
    async with sessionmaker() as first, first.begin(), sessionmaker() as second, second.begin():
        first_lanes = set(await first.scalars(_TAKE_LANES, params))
        assert len(first_lanes) == LANES // 2
        assert await first.scalar(held) == LANES // 2
        second_lanes = set(await second.scalars(_TAKE_LANES, params))
        assert second_lanes == set(range(LANES)) - first_lanes
