"""Fixtures for one service's tests: its database migrated once per worker, a session rolled back
after every test, and an HTTP client bound to that session.

Use from a service's tests/conftest.py:
    globals().update(service_fixtures(SERVICE))
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from receivables_shared.auth.keys import find_api_key
from receivables_shared.clock import ManualClock
from receivables_shared.db.admin import create_database
from receivables_shared.db.engine import create_engine, with_database
from receivables_shared.db.migrations import upgrade_database
from receivables_shared.http.app import create_app
from receivables_shared.http.dependencies import get_session
from receivables_shared.service import ServiceDefinition
from receivables_shared.settings import ServiceSettings
from receivables_shared.testing.helpers import api_key_headers

TEST_START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def run_database_prefix() -> str:
    """Databases of this test run start with this; the run drops them all when it ends.

    Unique per run, so two checkouts or CI runs on one PostgreSQL never drop each other's."""
    run = os.environ.setdefault("RECEIVABLES_TEST_RUN", secrets.token_hex(4))
    return f"t{run}_"


def database_name_for_tests(definition: ServiceDefinition, purpose: str = "test") -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = definition.settings_class.database_name
    return f"{run_database_prefix()}{purpose}_{name}_{worker}"


async def fresh_database(definition: ServiceDefinition, server_url: str, name: str) -> str:
    url = with_database(server_url, name)
    await create_database(url, drop_existing=True)
    await upgrade_database(definition, url)
    return url


def settings_for_tests(
    definition: ServiceDefinition, database_url: str, kafka_bootstrap: str, **overrides: Any
) -> ServiceSettings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "kafka_bootstrap_servers": kafka_bootstrap,
        "kafka_enable_idempotence": False,
        "kafka_topic_partitions": 3,
        "kafka_session_timeout_ms": 2000,
        "role": "api",
        "consumer_retry_backoff_seconds": 0.01,
        **overrides,
    }
    return definition.settings_class(**values)


def service_fixtures(definition: ServiceDefinition) -> dict[str, Callable[..., Any]]:
    @pytest_asyncio.fixture(scope="session")
    async def database_url(postgres_server_url: str) -> str:
        return await fresh_database(
            definition, postgres_server_url, database_name_for_tests(definition)
        )

    @pytest_asyncio.fixture(scope="session")
    async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
        engine = create_engine(database_url, pool_size=2)
        yield engine
        await engine.dispose()

    @pytest_asyncio.fixture
    async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
        """Everything a test writes is rolled back; service commits become savepoints."""
        async with engine.connect() as connection:
            transaction = await connection.begin()
            session = AsyncSession(
                bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
            )
            try:
                yield session
            finally:
                await session.close()
                await transaction.rollback()

    @pytest.fixture
    def clock() -> ManualClock:
        return ManualClock(TEST_START)

    @pytest.fixture
    def settings_overrides() -> dict[str, Any]:
        """Settings of the `client` app; override this fixture to change some."""
        return {}

    @pytest_asyncio.fixture
    async def client(
        session: AsyncSession,
        clock: ManualClock,
        database_url: str,
        settings_overrides: dict[str, Any],
    ) -> AsyncIterator[httpx.AsyncClient]:
        settings = settings_for_tests(definition, database_url, "127.0.0.1:1", **settings_overrides)
        app = create_app(definition, settings, clock=clock)

        async def bound_session() -> AsyncIterator[AsyncSession]:
            # Each request is a savepoint: released when it succeeds, rolled back when it
            # fails, as the real unit of work commits or rolls back.
            async with session.begin_nested():
                yield session

        app.dependency_overrides[get_session] = bound_session
        # Keys made in the test's transaction are visible to the request gate only through it.
        app.state.api_key_finder = partial(find_api_key, session)
        headers = await api_key_headers(session)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://test", headers=headers
        ) as client:
            yield client
        await app.state.engine.dispose()

    return {
        "database_url": database_url,
        "engine": engine,
        "session": session,
        "clock": clock,
        "settings_overrides": settings_overrides,
        "client": client,
    }
