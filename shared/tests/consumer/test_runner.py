import asyncio
import uuid
from collections.abc import Awaitable, Callable

from aiokafka import TopicPartition
from prometheus_client import REGISTRY

from receivables_shared.db.engine import create_engine, create_sessionmaker
from receivables_shared.events import InvoiceIssued
from receivables_shared.kafka import create_consumer
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
