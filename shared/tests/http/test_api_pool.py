"""The API's pool: keys remembered for a few seconds, and no pre-ping on checkout."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest_asyncio
from fastapi import APIRouter
from sqlalchemy import func, select

from receivables_shared.auth.keys import Scope, issue_api_key, revoke_api_key
from receivables_shared.auth.models import ApiKey
from receivables_shared.db.base import make_metadata
from receivables_shared.db.engine import SessionMaker, create_engine, create_sessionmaker
from receivables_shared.http.app import create_app
from receivables_shared.http.authentication import api_key_finder
from receivables_shared.http.dependencies import ReadKeyDep, SessionDep, without_transaction
from receivables_shared.service import ServiceDefinition
from shared.tests.conftest import Effect
from shared.tests.faulty_database import FaultyDatabase
from shared.tests.http.conftest import ProbeSettings, client_of

counting = APIRouter()


@counting.get("/effects/count")
async def count_effects(session: SessionDep, _: ReadKeyDep) -> dict[str, int]:
    return {"effects": await session.scalar(select(func.count()).select_from(Effect)) or 0}


COUNTING = ServiceDefinition(
    name="counting",
    title="Counting",
    settings_class=ProbeSettings,
    metadata=make_metadata(),
    migrations="unused:migrations",
    routers=[counting],
)


class Ticking:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.seconds = 1000.0

    def __call__(self) -> float:
        return self.seconds


async def issue(sessionmaker: SessionMaker) -> str:
    async with sessionmaker() as session, session.begin():
        return (await issue_api_key(session, name="cached", scopes=[Scope.READ])).secret


async def revoke(sessionmaker: SessionMaker, secret: str) -> None:
    async with sessionmaker() as session, session.begin():
        assert await revoke_api_key(session, secret, now=datetime.now(UTC))


async def test_a_found_key_is_remembered_and_a_revoked_one_stops_after_the_ttl(
    sessionmaker: SessionMaker,
) -> None:
    lookups: list[str] = []

    def counting_sessionmaker() -> object:
        lookups.append("lookup")
        return sessionmaker()

    ticking = Ticking()
    find = api_key_finder(counting_sessionmaker, cache_seconds=5, monotonic=ticking)  # type: ignore[arg-type]
    secret = await issue(sessionmaker)

    first = await find(secret)
    ticking.seconds += 4
    second = await find(secret)
    await revoke(sessionmaker, secret)
    ticking.seconds += 0.9
    within_ttl = await find(secret)
    ticking.seconds += 0.2
    after_ttl = await find(secret)
    ticking.seconds += 10
    later = await find(secret)

    assert isinstance(first, ApiKey) and second is first and within_ttl is first
    assert after_ttl is None and later is None
    # One lookup for the first three; each unknown key is looked up again: never remembered.
    assert len(lookups) == 3


async def test_an_unknown_key_is_not_remembered(sessionmaker: SessionMaker) -> None:
    find = api_key_finder(sessionmaker, cache_seconds=60)
    assert await find("rk_later_secret") is None

    async with sessionmaker() as session, session.begin():
        await issue_api_key(session, name="later", scopes=[Scope.READ], secret="rk_later_secret")

    assert isinstance(await find("rk_later_secret"), ApiKey)


async def test_no_cache_when_the_setting_is_zero(sessionmaker: SessionMaker) -> None:
    find = api_key_finder(sessionmaker, cache_seconds=0)
    secret = await issue(sessionmaker)
    assert isinstance(await find(secret), ApiKey)

    await revoke(sessionmaker, secret)

    assert await find(secret) is None


@pytest_asyncio.fixture
async def faulty_client(faulty: FaultyDatabase) -> AsyncIterator[httpx.AsyncClient]:
    owner = create_engine(faulty.owner_url, pool_size=1)
    secret = await issue(create_sessionmaker(owner))
    await owner.dispose()
    settings = ProbeSettings(database_url=faulty.url, role="api", api_key_cache_seconds=0)
    app = create_app(COUNTING, settings)
    async with client_of(app, {"Authorization": f"Bearer {secret}"}) as client:
        yield client
    await app.state.engine.dispose()


async def test_a_connection_killed_in_the_pool_is_one_503_and_the_next_request_succeeds(
    faulty: FaultyDatabase, faulty_client: httpx.AsyncClient
) -> None:
    warm = await faulty_client.get("/v1/effects/count")
    assert warm.status_code == 200, warm.text

    await faulty.terminate_sessions()  # the pooled connection dies while it is idle
    broken = await faulty_client.get("/v1/effects/count")
    healed = await faulty_client.get("/v1/effects/count")

    assert broken.status_code == 503, broken.text
    assert broken.headers["content-type"] == "application/problem+json"
    assert broken.headers["retry-after"] == "1"
    assert healed.status_code == 200, healed.text
    assert healed.json() == {"effects": 0}


@counting.get("/clock/{mode}")
async def transaction_clock(mode: str, session: SessionDep, _: ReadKeyDep) -> dict[str, bool]:
    """now() is the transaction's start: equal across statements of one transaction only."""
    if mode == "read-only":
        await without_transaction(session)
    first = await session.scalar(select(func.now()))
    await session.execute(select(func.pg_sleep(0.01)))
    second = await session.scalar(select(func.now()))
    return {"one_transaction": first == second}


async def test_a_request_without_transaction_commits_each_statement_alone(
    faulty_client: httpx.AsyncClient,
) -> None:
    read_only = await faulty_client.get("/v1/clock/read-only")
    unit_of_work = await faulty_client.get("/v1/clock/default")
    again = await faulty_client.get("/v1/clock/default")  # the pooled connection is reset

    assert read_only.json() == {"one_transaction": False}
    assert unit_of_work.json() == {"one_transaction": True}
    assert again.json() == {"one_transaction": True}


@counting.get("/slow")
async def slow(session: SessionDep, _: ReadKeyDep) -> dict[str, bool]:
    await session.execute(select(func.pg_sleep(0.5)))
    return {"slept": True}


async def test_a_request_that_finds_the_pool_busy_waits_then_gets_a_503(
    faulty: FaultyDatabase,
) -> None:
    owner = create_engine(faulty.owner_url, pool_size=1)
    secret = await issue(create_sessionmaker(owner))
    await owner.dispose()
    settings = ProbeSettings(
        database_url=faulty.url,
        role="api",
        database_pool_size=1,
        api_pool_timeout_seconds=0.1,
        api_key_cache_seconds=60,
    )
    app = create_app(COUNTING, settings)
    async with client_of(app, {"Authorization": f"Bearer {secret}"}) as client:
        assert (await client.get("/v1/effects/count")).status_code == 200  # the key is cached
        holding = asyncio.create_task(client.get("/v1/slow"))
        await asyncio.sleep(0.2)  # the slow request holds the only connection
        refused = await client.get("/v1/effects/count")
        held = await holding
        after = await client.get("/v1/effects/count")
    await app.state.engine.dispose()

    assert refused.status_code == 503, refused.text
    assert refused.headers["retry-after"] == "1"
    assert held.status_code == 200 and after.status_code == 200
