"""The consumer under real database faults: nothing dead-lettered that is not the event's fault,
every effect applied once after recovery, and a malformed record parked once however long the
outage lasts."""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from receivables_shared.db.engine import create_sessionmaker
from receivables_shared.events import InvoiceIssued
from receivables_shared.testing.helpers import eventually
from receivables_shared.testing.kafka import header, read_for, send_event
from shared.tests.consumer.harness import Harness, create_event
from shared.tests.faulty_database import FaultyDatabase

RUNNER = "receivables_shared.consumer.runner"

Fault = Callable[[FaultyDatabase], Awaitable[None]]


def failed_fetches(caplog: pytest.LogCaptureFixture, cause: str) -> Callable[[], Awaitable[int]]:
    """How many fetches the consumer rewound because of `cause` (a SQLSTATE, a pool timeout)."""

    async def count() -> int:
        return sum(
            1
            for record in caplog.records
            if record.name == RUNNER and "rewinding" in record.message and cause in record.message
        )

    return count


def at_least(n: int, counter: Callable[[], Awaitable[int]]) -> Callable[[], Awaitable[bool]]:
    async def probe() -> bool:
        return await counter() >= n

    return probe


@pytest.mark.parametrize(
    ("fault", "cause"),
    [
        (FaultyDatabase.refuse_role, "SQLSTATE 53300"),  # too many connections for role
        (FaultyDatabase.refuse_database, "SQLSTATE 55000"),  # ALLOW_CONNECTIONS false
        (FaultyDatabase.make_read_only, "SQLSTATE 25006"),  # a standby after a failover
        (FaultyDatabase.forbid_login, "SQLSTATE 28000"),  # login revoked, credentials rotated
        (FaultyDatabase.revoke_privileges, "SQLSTATE 42501"),  # a grant missing after a deploy
    ],
    ids=["role-refused", "database-refused", "read-only", "login-revoked", "grant-missing"],
)
async def test_a_database_fault_dead_letters_no_event_and_every_effect_applies_once_after(
    faulty_harness: Harness,
    faulty: FaultyDatabase,
    caplog: pytest.LogCaptureFixture,
    fault: Fault,
    cause: str,
) -> None:
    caplog.set_level(logging.WARNING, logger=RUNNER)
    harness = faulty_harness
    await fault(faulty)
    for number in ("A", "B"):
        await send_event(harness.producer, harness.topic, create_event(number))

    async with harness.consuming(max_attempts=1):
        await eventually(at_least(3, failed_fetches(caplog, cause)))
        assert await read_for(harness.bootstrap, harness.dead_letter_topic, seconds=0.5) == []
        await faulty.heal()
        await eventually(harness.effects_are("A", "B"))

    assert await harness.effects() == ["A", "B"]
    assert await read_for(harness.bootstrap, harness.dead_letter_topic, seconds=1) == []


async def test_an_exhausted_pool_dead_letters_nothing(
    faulty_harness: Harness, faulty: FaultyDatabase, caplog: pytest.LogCaptureFixture
) -> None:
    """ROLE=all: the API holds the pool's connections and the consumer's checkout times out."""
    caplog.set_level(logging.WARNING, logger=RUNNER)
    harness = faulty_harness
    tiny = create_async_engine(faulty.url, pool_size=1, max_overflow=0, pool_timeout=0.1)
    harness.sessionmaker = create_sessionmaker(tiny)
    await send_event(harness.producer, harness.topic, create_event("pooled"))

    try:
        async with harness.consuming(max_attempts=1):
            async with tiny.connect() as held_by_the_api:
                await held_by_the_api.execute(text("SELECT 1"))
                await eventually(at_least(3, failed_fetches(caplog, "QueuePool limit")))
            await eventually(harness.effects_are("pooled"))
    finally:
        await tiny.dispose()

    assert await read_for(harness.bootstrap, harness.dead_letter_topic, seconds=1) == []


async def test_a_lost_serialization_race_retries_the_batch_at_once_and_parks_nothing(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=RUNNER)
    races_to_lose = 3

    async def lose_a_race(session: AsyncSession, event: InvoiceIssued) -> None:
        nonlocal races_to_lose
        if races_to_lose:
            races_to_lose -= 1
            # The error PostgreSQL raises for a serializable transaction that lost a race.
            await session.execute(
                text(
                    "DO $$ BEGIN RAISE EXCEPTION 'could not serialize access'"
                    " USING ERRCODE = 'serialization_failure'; END $$"
                )
            )

    harness.step = lose_a_race
    await send_event(harness.producer, harness.topic, create_event("raced"))

    # One attempt per event: had the race counted against the event, it would be parked.
    await harness.running(harness.effects_are("raced"), max_attempts=1)

    assert await harness.effects() == ["raced"]
    assert await failed_fetches(caplog, "SQLSTATE 40001")() == 3
    retries = [r.message for r in caplog.records if "SQLSTATE 40001" in r.message]
    assert all("retrying in 0.01 s" in message for message in retries)  # not an outage's pause
    assert await read_for(harness.bootstrap, harness.dead_letter_topic, seconds=1) == []


async def test_a_malformed_record_is_parked_once_through_a_ten_second_outage(
    faulty_harness: Harness, faulty: FaultyDatabase, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=RUNNER)
    harness = faulty_harness
    await faulty.refuse_role()
    await harness.producer.send_and_wait(harness.topic, value=b"garbage", key=b"k")
    await send_event(harness.producer, harness.topic, create_event("good"))

    async with harness.consuming():
        started = time.monotonic()
        await eventually(at_least(1, failed_fetches(caplog, "SQLSTATE 53300")))
        # The outage itself lasts ten seconds; the consumer retries all along.
        await asyncio.sleep(10 - (time.monotonic() - started))
        retries = await failed_fetches(caplog, "SQLSTATE 53300")()
        await faulty.heal()
        await eventually(harness.effects_are("good"))
        parked = await harness.dead_letters()

    assert retries >= 10  # the batch, malformed record included, went round many times
    assert [record.value for record in parked] == [b"garbage"]
    assert header(parked[0], "dlq_reason") == "malformed"
    assert await harness.effects() == ["good"]
