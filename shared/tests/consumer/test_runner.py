import asyncio
import json
import logging
import uuid
from collections.abc import Awaitable, Callable

import pytest
from aiokafka import TopicPartition
from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from receivables_shared.db.engine import create_engine, create_sessionmaker
from receivables_shared.events import InvoiceIssued
from receivables_shared.events.cloudevents import encode_body
from receivables_shared.kafka import create_consumer
from receivables_shared.logging import JsonFormatter
from receivables_shared.testing.helpers import eventually
from receivables_shared.testing.kafka import (
    header,
    new_topic,
    read_for,
    read_topic,
    send_event,
)
from shared.tests.consumer.harness import Harness, create_event


async def test_redelivered_event_is_applied_once(harness: Harness) -> None:
    first = create_event("A")
    event_id = await send_event(harness.producer, harness.topic, first)
    await send_event(harness.producer, harness.topic, first, event_id=event_id)  # redelivery
    await send_event(harness.producer, harness.topic, create_event("B"))

    async def both_applied() -> bool:
        return await harness.effects() == ["A", "B"]

    await harness.running(both_applied)

    assert await harness.effects() == ["A", "B"]


async def test_malformed_message_is_dead_lettered_and_the_consumer_carries_on(
    harness: Harness,
) -> None:
    await harness.producer.send_and_wait(harness.topic, value=b"garbage", key=b"k")
    await send_event(harness.producer, harness.topic, create_event("after"))

    async def applied() -> bool:
        return await harness.effects() == ["after"]

    await harness.running(applied)

    parked = await read_topic(harness.bootstrap, harness.dead_letter_topic, lambda rs: len(rs) >= 1)
    assert parked[0].value == b"garbage"
    assert header(parked[0], "dlq_consumer_group") == harness.group
    assert header(parked[0], "dlq_original_topic") == harness.topic
    assert "missing CloudEvents headers" in (header(parked[0], "dlq_error") or "")
    assert header(parked[0], "dlq_reason") == "malformed"


async def test_poison_event_is_parked_after_bounded_retries_and_others_apply_once(
    harness: Harness,
) -> None:
    harness.failures["poison"] = 1000
    for number in ("before", "poison", "after"):
        await send_event(harness.producer, harness.topic, create_event(number))

    async def others_applied() -> bool:
        return await harness.effects() == ["after", "before"]

    consumer = await harness.running(others_applied, max_attempts=3)

    parked = await read_topic(harness.bootstrap, harness.dead_letter_topic, lambda rs: len(rs) >= 1)
    assert header(parked[0], "dlq_attempts") == "3"
    assert "handler refused poison" in (header(parked[0], "dlq_error") or "")
    assert header(parked[0], "dlq_reason") == "failed"
    assert InvoiceIssued.model_validate_json(parked[0].value or b"").number == "poison"
    assert harness.failures["poison"] == 1000 - 3 - 1  # one batch try, then three single tries
    assert consumer.group == harness.group


async def test_transient_failure_is_retried_and_applied_once(harness: Harness) -> None:
    harness.failures["flaky"] = 2
    await send_event(harness.producer, harness.topic, create_event("flaky"))

    async def applied() -> bool:
        return await harness.effects() == ["flaky"]

    await harness.running(applied, max_attempts=5)

    assert await harness.effects() == ["flaky"]
    assert harness.failures["flaky"] == 0


async def test_offsets_are_committed_after_the_effect(harness: Harness) -> None:
    for number in ("one", "two", "three"):
        await send_event(harness.producer, harness.topic, create_event(number))

    async def applied() -> bool:
        return len(await harness.effects()) == 3

    await harness.running(applied)

    probe = create_consumer(
        harness.bootstrap, group_id=harness.group, topics=[], session_timeout_ms=2000
    )
    await probe.start()
    try:
        committed = await probe.committed(TopicPartition(harness.topic, 0))
    finally:
        await probe.stop()
    assert committed == 3


async def test_group_members_share_partitions_and_a_leaving_member_loses_nothing(
    harness: Harness,
) -> None:
    harness.topic = await new_topic(harness.bootstrap, partitions=4)
    numbers = [f"e{i:03d}" for i in range(300)]

    def count_at_least(n: int) -> Callable[[], Awaitable[bool]]:
        async def probe() -> bool:
            return len(await harness.effects()) >= n

        return probe

    async with harness.consuming():
        async with harness.consuming():
            for number in numbers[:200]:
                await send_event(
                    harness.producer, harness.topic, create_event(number, uuid.uuid4())
                )
            await eventually(count_at_least(100))
        # The second member left mid-stream: its partitions move to the first (a rebalance).
        for number in numbers[200:]:
            await send_event(harness.producer, harness.topic, create_event(number, uuid.uuid4()))
        await eventually(count_at_least(300), timeout=30)

    assert await harness.effects() == numbers  # every event applied, none twice


async def test_database_outage_dead_letters_nothing_and_loses_nothing(harness: Harness) -> None:
    await send_event(harness.producer, harness.topic, create_event("during-outage"))
    working = harness.sessionmaker
    away = create_engine("postgresql+asyncpg://postgres@127.0.0.1:1/nowhere", pool_size=1)
    harness.sessionmaker = create_sessionmaker(away)

    async with harness.consuming(max_attempts=2) as consumer:
        await asyncio.sleep(3)  # several tries against the missing database
        consumer.sessionmaker = working  # the database is back
        harness.sessionmaker = working

        async def applied() -> bool:
            return await harness.effects() == ["during-outage"]

        await eventually(applied)
    await away.dispose()

    assert await read_for(harness.bootstrap, harness.dead_letter_topic, seconds=2) == []


async def test_unknown_event_type_is_counted_and_skipped_not_parked(harness: Harness) -> None:
    headers = [
        ("ce_id", str(uuid.uuid4()).encode()),
        ("ce_type", b"receivables.SomethingNew.v1"),
        ("ce_source", b"/invoicing"),
        ("ce_time", b"2026-03-02T09:00:00+00:00"),
    ]
    await harness.producer.send_and_wait(harness.topic, value=b"{}", key=b"k", headers=headers)
    await send_event(harness.producer, harness.topic, create_event("known"))

    async def applied() -> bool:
        return await harness.effects() == ["known"]

    await harness.running(applied)

    skipped = REGISTRY.get_sample_value(
        "events_unknown_type_total",
        {"group": harness.group, "event_type": "other"},
    )
    assert skipped == 1
    assert await read_for(harness.bootstrap, harness.dead_letter_topic, seconds=1) == []


def cloudevent_headers(
    event_type: str, *, time: str = "2026-03-02T09:00:00+00:00", correlation_id: str | None = None
) -> list[tuple[str, bytes]]:
    headers = [
        ("ce_id", str(uuid.uuid4()).encode()),
        ("ce_type", event_type.encode()),
        ("ce_source", b"/invoicing"),
        ("ce_time", time.encode()),
    ]
    if correlation_id:
        headers.append(("ce_correlationid", correlation_id.encode()))
    return headers


async def test_an_unknown_version_of_a_handled_event_is_parked_not_skipped(
    harness: Harness,
) -> None:
    newer = create_event("v2").model_dump(mode="json") | {"discount": "1.00"}
    await harness.producer.send_and_wait(
        harness.topic,
        value=json.dumps(newer).encode(),
        key=b"k",
        headers=cloudevent_headers("receivables.InvoiceIssued.v2"),
    )
    await send_event(harness.producer, harness.topic, create_event("v1"))

    await harness.running(harness.effects_are("v1"))

    parked = await harness.dead_letters()
    assert len(parked) == 1
    assert header(parked[0], "ce_type") == "receivables.InvoiceIssued.v2"
    assert header(parked[0], "dlq_reason") == "unknown-version"
    assert "InvoiceIssued.v2" in (header(parked[0], "dlq_error") or "")
    assert json.loads(parked[0].value or b"") == newer  # replayable as it came


async def test_a_naive_event_time_is_malformed_and_the_batch_carries_on(harness: Harness) -> None:
    naive = create_event("naive")
    await harness.producer.send_and_wait(
        harness.topic,
        value=encode_body(naive),
        key=b"k",
        headers=cloudevent_headers(naive.event_type(), time="2026-03-02T09:00:00"),
    )
    await send_event(harness.producer, harness.topic, create_event("aware"))

    await harness.running(harness.effects_are("aware"))

    parked = await harness.dead_letters()
    assert [header(record, "dlq_reason") for record in parked] == ["malformed"]
    assert "no UTC offset" in (header(parked[0], "dlq_error") or "")


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT CAST(:value AS integer)",  # refused by asyncpg, quoting the value
        "SELECT CAST(CAST(:value AS text) AS integer)",  # refused by PostgreSQL, quoting it
    ],
    ids=["driver", "server"],
)
async def test_personal_data_stays_out_of_dead_letter_headers_and_logs(
    harness: Harness, caplog: pytest.LogCaptureFixture, statement: str
) -> None:
    caplog.set_level(logging.DEBUG, logger="receivables_shared")
    personal = "Jānis Bērziņš, jb@example.lv"

    async def bind_a_personal_value(session: AsyncSession, event: InvoiceIssued) -> None:
        await session.execute(text(statement), {"value": personal})

    harness.step = bind_a_personal_value
    await send_event(harness.producer, harness.topic, create_event("personal"))

    async with harness.consuming(max_attempts=2):
        parked = await harness.dead_letters()

    error = header(parked[0], "dlq_error") or ""
    assert error.startswith("DBAPIError: ")
    assert personal not in error
    assert "Bērziņš" not in caplog.text
    assert header(parked[0], "dlq_reason") == "failed"


async def test_each_handled_event_is_logged_at_debug_with_its_correlation_id(
    harness: Harness,
) -> None:
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    collect = Collect(logging.DEBUG)
    collect.setFormatter(JsonFormatter("test"))
    runner_log = logging.getLogger("receivables_shared.consumer.runner")
    runner_log.addHandler(collect)
    previous_level = runner_log.level
    runner_log.setLevel(logging.DEBUG)
    event = create_event("traced")
    try:
        await harness.producer.send_and_wait(
            harness.topic,
            value=encode_body(event),
            key=b"k",
            headers=cloudevent_headers(event.event_type(), correlation_id="req-42"),
        )
        await harness.running(harness.effects_are("traced"))
    finally:
        runner_log.removeHandler(collect)
        runner_log.setLevel(previous_level)

    handled = [json.loads(line) for line in lines if '"handling ' in line]
    assert len(handled) == 1
    assert handled[0]["level"] == "DEBUG"
    assert handled[0]["correlation_id"] == "req-42"
    assert handled[0]["event_type"] == "receivables.InvoiceIssued.v1"
    assert uuid.UUID(handled[0]["event_id"])
