"""bench/event_pipeline: outbox -> relay -> Kafka -> idempotent consumer -> committed effect.

Measures, in one run on this machine:
  pipeline  the platform's path: events written to invoicing's outbox table, published by the
            OutboxRelay (its own process, like an invoicing worker), applied by analytics'
            InvoiceIssued handler through the EventConsumer (its own process) with the inbox,
            and committed. Lag = committed effect - event time (the outbox write).
  raw       the baseline: the same messages (same headers, same JSON bodies) produced with
            plain aiokafka and consumed by a plain aiokafka consumer that commits offsets,
            without database. Lag = consumed - produced.
Each runs twice: "burst" (N events ready at once: throughput) and "paced" (a steady offered
rate: lag percentiles).

    .venv/bin/python bench/event_pipeline.py [--events 50000] [--rate 5000] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer
from sqlalchemy import insert, text

from analytics.definition import SERVICE as ANALYTICS
from invoicing.definition import SERVICE as INVOICING
from receivables_shared.clock import SystemClock
from receivables_shared.consumer import EventConsumer
from receivables_shared.consumer.dead_letter import DeadLetterWriter
from receivables_shared.db.admin import drop_databases_with_prefix
from receivables_shared.db.engine import create_engine, create_sessionmaker
from receivables_shared.devstack.broker import EmbeddedBroker
from receivables_shared.devstack.postgres import (
    local_postgres_url,
    start_embedded_postgres,
)
from receivables_shared.events import InvoiceIssued
from receivables_shared.events.cloudevents import encode_body, encode_headers
from receivables_shared.kafka import (
    FETCH_MAX_WAIT_MS,
    create_consumer,
    create_producer,
    ensure_topics,
)
from receivables_shared.outbox.models import OutboxEvent, lane_of
from receivables_shared.outbox.relay import OutboxRelay
from receivables_shared.testing.service import fresh_database

ROOT = Path(__file__).resolve().parents[1]
#: This run's databases are named after it and dropped at the end.
RUN = uuid.uuid4().hex[:8]
PARTITIONS = 6
CUSTOMERS = [uuid.uuid4() for _ in range(1000)]


@dataclass
class Result:
    path: str
    scenario: str
    events: int
    seconds: float
    per_second: float
    lag_p50_ms: float
    lag_p99_ms: float
    lag_max_ms: float


def make_event(i: int) -> InvoiceIssued:
    return InvoiceIssued(
        customer_id=CUSTOMERS[i % len(CUSTOMERS)],
        invoice_id=uuid.uuid4(),
        number=f"INV-2026-{i:06d}",
        currency="EUR",
        total=Decimal("1200.50"),
        issue_date=date(2026, 3, 2),
        due_date=date(2026, 4, 1),
    )


def outbox_row(event: InvoiceIssued, topic: str) -> dict[str, Any]:
    return {
        "event_id": uuid.uuid4(),
        "event_type": event.event_type(),
        "topic": topic,
        "partition_key": event.partition_key(),
        "lane": lane_of(event.partition_key()),
        "source": f"/{event.producer}",
        "occurred_at": datetime.now(UTC),
        "correlation_id": None,
        "payload": event.model_dump(mode="json"),
    }


def summarise(path: str, scenario: str, lags: list[float], seconds: float) -> Result:
    ordered = sorted(lags)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

    return Result(
        path=path,
        scenario=scenario,
        events=len(lags),
        seconds=round(seconds, 3),
        per_second=round(len(lags) / seconds),
        lag_p50_ms=round(pct(0.50), 1),
        lag_p99_ms=round(pct(0.99), 1),
        lag_max_ms=round(max(ordered) * 1000, 1),
    )


# ----------------------------------------------------------------------------- processes


def run_relay(db_url: str, bootstrap: str, go: Any, stop: Any, out: Any) -> None:
    async def main() -> None:
        engine = create_engine(db_url, pool_size=2)
        producer = create_producer(bootstrap, enable_idempotence=False)
        await producer.start()
        relay = OutboxRelay(
            service="bench",
            sessionmaker=create_sessionmaker(engine),
            producer=producer,
            clock=SystemClock(),
            batch_size=1000,
            poll_interval=0.01,
        )
        out.put(("ready", None))
        await asyncio.to_thread(go.wait)
        stopping = asyncio.Event()
        task = asyncio.create_task(relay.run(stopping))
        await asyncio.to_thread(stop.wait)
        stopping.set()
        await task
        await producer.stop()
        await engine.dispose()

    asyncio.run(main())


def run_pipeline_consumer(db_url: str, bootstrap: str, topic: str, expected: int, out: Any) -> None:
    async def main() -> None:
        engine = create_engine(db_url, pool_size=2)
        lags: list[float] = []
        first: list[float] = []
        all_in = asyncio.Event()

        def committed(events: Any) -> None:
            now = time.time()
            if not first:
                first.append(now)
            lags.extend(now - e.meta.time.timestamp() for e in events)
            if len(lags) >= expected:
                all_in.set()

        group = f"group-{topic}"
        kafka = create_consumer(bootstrap, group_id=group, topics=[topic], session_timeout_ms=2000)
        await kafka.start()
        producer = create_producer(bootstrap, enable_idempotence=False)
        await producer.start()
        consumer = EventConsumer(
            group=group,
            handlers=ANALYTICS.handlers,
            sessionmaker=create_sessionmaker(engine),
            consumer=kafka,
            dead_letters=DeadLetterWriter(producer=producer, topic="bench.dlq", group=group),
            clock=SystemClock(),
            batch_size=1000,
            on_committed=committed,
        )
        out.put(("ready", None))
        stop = asyncio.Event()
        task = asyncio.create_task(consumer.run(stop))
        await all_in.wait()
        stop.set()
        await task
        out.put(("done", (lags, first[0], time.time())))
        await kafka.stop()
        await producer.stop()
        await engine.dispose()

    asyncio.run(main())


def run_raw_consumer(bootstrap: str, topic: str, expected: int, out: Any) -> None:
    async def main() -> None:
        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=bootstrap,
            group_id=f"group-{topic}",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=2000,
            heartbeat_interval_ms=500,
            fetch_max_wait_ms=FETCH_MAX_WAIT_MS,
        )
        await consumer.start()
        out.put(("ready", None))
        lags: list[float] = []
        first = 0.0
        while len(lags) < expected:
            batches = await consumer.getmany(timeout_ms=100, max_records=1000)
            for partition, records in batches.items():
                now = time.time()
                for record in records:
                    sent = dict(record.headers)["bench_sent_at"]
                    lags.append(now - float(sent))
                await consumer.commit({partition: records[-1].offset + 1})
                first = first or now
        out.put(("done", (lags, first, time.time())))
        await consumer.stop()

    asyncio.run(main())


# ----------------------------------------------------------------------------- scenarios


async def write_outbox(db_url: str, topic: str, events: int, rate: float | None) -> float:
    """Insert events into the outbox, in transactions of up to 100 rows like busy services do.
    With a rate, pace the writes; returns when everything is written."""
    engine = create_engine(db_url, pool_size=2)
    sessionmaker = create_sessionmaker(engine)
    started = time.perf_counter()
    written = 0
    chunk = 500 if rate is None else max(1, int(rate / 100))
    while written < events:
        if rate is not None:
            due = started + written / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
        count = min(chunk, events - written)
        rows = [outbox_row(make_event(written + i), topic) for i in range(count)]
        async with sessionmaker() as session, session.begin():
            await session.execute(insert(OutboxEvent), rows)
        written += count
    await engine.dispose()
    return time.perf_counter() - started


async def reset(invoicing_url: str, analytics_url: str) -> None:
    for url, tables in (
        (invoicing_url, "outbox_events"),
        (analytics_url, "inbox_events, invoice_facts"),
    ):
        engine = create_engine(url, pool_size=1)
        async with engine.begin() as connection:
            await connection.execute(text(f"TRUNCATE {tables}"))
        await engine.dispose()


def fresh_topic(bootstrap: str) -> str:
    """Each run reads its own topic, so no run sees another's messages."""
    topic = f"bench.{uuid.uuid4().hex[:8]}"
    asyncio.run(ensure_topics(bootstrap, [topic], partitions=PARTITIONS))
    return topic


def wait_message(queue: Any, kind: str, timeout: float = 300) -> Any:
    got, payload = queue.get(timeout=timeout)
    assert got == kind, got
    return payload


def pipeline(urls: tuple[str, str], bootstrap: str, events: int, rate: float | None) -> Result:
    invoicing_url, analytics_url = urls
    asyncio.run(reset(invoicing_url, analytics_url))
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    stop = ctx.Event()
    topic = fresh_topic(bootstrap)
    consumer = ctx.Process(
        target=run_pipeline_consumer, args=(analytics_url, bootstrap, topic, events, queue)
    )
    consumer.start()
    wait_message(queue, "ready")
    time.sleep(3)  # let the consumer join its group before the clock starts
    go = ctx.Event()
    relay = ctx.Process(target=run_relay, args=(invoicing_url, bootstrap, go, stop, queue))
    relay.start()
    wait_message(queue, "ready")
    if rate is None:
        asyncio.run(write_outbox(invoicing_url, topic, events, None))
        started = time.time()
        go.set()
    else:
        go.set()
        started = time.time()
        asyncio.run(write_outbox(invoicing_url, topic, events, rate))
    lags, _first, finished = wait_message(queue, "done")
    stop.set()
    relay.join()
    consumer.join()
    return summarise(
        "pipeline", "burst" if rate is None else f"paced {rate:.0f}/s", lags, finished - started
    )


def raw(bootstrap: str, events: int, rate: float | None) -> Result:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    topic = fresh_topic(bootstrap)
    reader = ctx.Process(target=run_raw_consumer, args=(bootstrap, topic, events, queue))
    reader.start()
    wait_message(queue, "ready")
    time.sleep(3)

    async def produce() -> float:
        producer = create_producer(bootstrap, enable_idempotence=False)
        await producer.start()
        started = time.time()
        pending = []
        for i in range(events):
            if rate is not None and i % max(1, int(rate / 100)) == 0:
                await asyncio.sleep(max(0.0, started + i / rate - time.time()))
            event = make_event(i)
            headers = encode_headers(
                event_id=uuid.uuid4(),
                event_type=event.event_type(),
                source="/invoicing",
                time=datetime.now(UTC),
                correlation_id=None,
            )
            headers.append(("bench_sent_at", repr(time.time()).encode()))
            pending.append(
                await producer.send(
                    topic,
                    value=encode_body(event),
                    key=event.partition_key().encode(),
                    headers=headers,
                )
            )
        await asyncio.gather(*pending)
        await producer.stop()
        return started

    started = asyncio.run(produce())
    lags, _first, finished = wait_message(queue, "done")
    reader.join()
    return summarise(
        "raw aiokafka", "burst" if rate is None else f"paced {rate:.0f}/s", lags, finished - started
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=50_000, help="events in the burst runs")
    parser.add_argument("--rate", type=float, default=5_000, help="offered events/s, paced runs")
    parser.add_argument("--seconds", type=float, default=10, help="length of the paced runs")
    args = parser.parse_args()

    server = local_postgres_url() or start_embedded_postgres(ROOT / "var" / "bench-postgres")
    broker = EmbeddedBroker(log_path=None).start()
    try:

        async def prepare() -> tuple[str, str]:
            invoicing = await fresh_database(INVOICING, server, f"bench{RUN}_invoicing")
            analytics = await fresh_database(ANALYTICS, server, f"bench{RUN}_analytics")
            await ensure_topics(broker.bootstrap_servers, ["bench.dlq"], partitions=1)
            return invoicing, analytics

        urls = asyncio.run(prepare())
        paced = int(args.rate * args.seconds)
        results = [
            raw(broker.bootstrap_servers, args.events, None),
            pipeline(urls, broker.bootstrap_servers, args.events, None),
            raw(broker.bootstrap_servers, paced, args.rate),
            pipeline(urls, broker.bootstrap_servers, paced, args.rate),
        ]
    finally:
        broker.stop()
        asyncio.run(drop_databases_with_prefix(server, f"bench{RUN}_"))
    print(
        f"{'path':<14} {'scenario':<14} {'events':>7} {'seconds':>8} {'events/s':>9} "
        f"{'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}"
    )
    for r in results:
        print(
            f"{r.path:<14} {r.scenario:<14} {r.events:>7} {r.seconds:>8} {r.per_second:>9} "
            f"{r.lag_p50_ms:>8} {r.lag_p99_ms:>8} {r.lag_max_ms:>8}"
        )
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "event_pipeline.json").write_text(json.dumps([asdict(r) for r in results], indent=2))


if __name__ == "__main__":
    main()
