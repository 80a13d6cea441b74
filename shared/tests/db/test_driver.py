"""Statements asyncpg runs itself (db/driver.py) behave as SQLAlchemy's would: same rows, the
session's transaction, and a connection the error closed is not handed out again."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from sqlalchemy import Integer, bindparam, literal, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from receivables_shared.db.driver import DriverStatement
from receivables_shared.db.engine import create_sessionmaker

ANSWER = DriverStatement(
    select(
        (bindparam("number", type_=Integer) + literal(1)).label("next"),
        literal("fixed").label("word"),
    )
)
BACKEND = DriverStatement(text("SELECT pg_backend_pid() AS pid"))


async def test_a_driver_statement_binds_its_values_and_its_literals(
    platform_engine: AsyncEngine,
) -> None:
    async with create_sessionmaker(platform_engine)() as session:
        row = await ANSWER.fetchrow(session, {"number": 41})
    assert (row["next"], row["word"]) == (42, "fixed")


async def test_it_runs_in_the_sessions_transaction(platform_engine: AsyncEngine) -> None:
    async with create_sessionmaker(platform_engine)() as session, session.begin():
        await session.execute(text("SET LOCAL application_name = 'driver-test'"))
        row = await DriverStatement(
            text("SELECT current_setting('application_name') AS name")
        ).fetchrow(session, {})
    assert row["name"] == "driver-test"


async def test_a_connection_the_error_closed_is_invalidated(platform_engine: AsyncEngine) -> None:
    sessions = create_sessionmaker(platform_engine)
    async with sessions() as session:
        pid = (await BACKEND.fetchrow(session, {}))["pid"]
        async with sessions() as other:
            await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            for _ in range(200):  # until the server has closed it, not while it is closing
                gone = await other.scalar(
                    text("SELECT NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = :pid)"),
                    {"pid": pid},
                )
                if gone:
                    break
                await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)  # and the client has read the close
        with pytest.raises((asyncpg.PostgresError, asyncpg.InterfaceError, OSError)):
            await BACKEND.fetchrow(session, {})
        connection = await session.connection()
        assert connection.invalidated
    async with sessions() as session:  # the pool hands out a live one
        assert (await BACKEND.fetchrow(session, {}))["pid"] != pid
