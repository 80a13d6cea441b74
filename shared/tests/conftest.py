"""The shared library's own tests: a database with the platform tables and a test effect table."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest_asyncio
from sqlalchemy import String, Uuid
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Importing the models registers the platform tables on PlatformBase.metadata.
from receivables_shared.auth import models as _auth_models  # noqa: F401
from receivables_shared.consumer import models as _inbox_models  # noqa: F401
from receivables_shared.db.admin import create_database
from receivables_shared.db.base import PlatformBase, make_metadata
from receivables_shared.db.engine import (
    SessionMaker,
    create_engine,
    create_sessionmaker,
    with_database,
)
from receivables_shared.idempotency import models as _idempotency_models  # noqa: F401
from receivables_shared.outbox import models as _outbox_models  # noqa: F401
from receivables_shared.testing.service import run_database_prefix

if TYPE_CHECKING:
    from shared.tests.faulty_database import FaultyDatabase


class EffectBase(DeclarativeBase):
    metadata = make_metadata()


class Effect(EffectBase):
    """What a test handler writes: one row per applied event."""

    __tablename__ = "effects"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    note: Mapped[str] = mapped_column(String(100))


@pytest_asyncio.fixture(scope="session")
async def platform_engine(postgres_server_url: str) -> AsyncIterator[AsyncEngine]:
    url = with_database(postgres_server_url, f"{run_database_prefix()}shared")
    await create_database(url, drop_existing=True)
    engine = create_engine(url, pool_size=5)
    async with engine.begin() as connection:
        await connection.run_sync(PlatformBase.metadata.create_all)
        await connection.run_sync(EffectBase.metadata.create_all)
    yield engine
    await engine.dispose()


@pytest_asyncio.fixture
async def sessionmaker(platform_engine: AsyncEngine) -> AsyncIterator[SessionMaker]:
    """A real, committing session factory; tables are emptied after each test."""
    yield create_sessionmaker(platform_engine)
    async with platform_engine.begin() as connection:
        for table in (*PlatformBase.metadata.sorted_tables, *EffectBase.metadata.sorted_tables):
            await connection.execute(table.delete())


@pytest_asyncio.fixture
async def faulty(postgres_server_url: str) -> AsyncIterator[FaultyDatabase]:
    """A database and role of the test's own, to break and heal (faulty_database.py)."""
    from shared.tests.faulty_database import faulty_database  # it imports this module

    async with faulty_database(postgres_server_url) as database:
        yield database
