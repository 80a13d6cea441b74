"""Two imports of the same numbers at once, on committed data: one loads, the other waits on
the unique index and answers 409 with nothing stored."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import pytest_asyncio
from sqlalchemy import func, select, text

from invoicing.customers.repository import KnownCustomerRepository
from invoicing.definition import SERVICE
from invoicing.imports.schemas import ImportResult
from invoicing.imports.service import import_invoices
from invoicing.invoices.models import Invoice
from receivables_shared.clock import ManualClock
from receivables_shared.db.engine import SessionMaker, create_engine, create_sessionmaker
from receivables_shared.http.problems import ProblemError
from receivables_shared.outbox.models import OutboxEvent
from receivables_shared.testing.helpers import eventually
from receivables_shared.testing.service import database_name_for_tests, fresh_database


@pytest_asyncio.fixture
async def sessionmaker(postgres_server_url: str) -> AsyncIterator[SessionMaker]:
    url = await fresh_database(
        SERVICE, postgres_server_url, database_name_for_tests(SERVICE, "import_race")
    )
    engine = create_engine(url, pool_size=3)
    yield create_sessionmaker(engine)
    await engine.dispose()


async def lock_waiters(sessionmaker: SessionMaker) -> bool:
    async with sessionmaker() as session:
        waiting = await session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )
        return bool(waiting)


async def test_the_second_of_two_concurrent_imports_is_a_409_and_stores_nothing(
    sessionmaker: SessionMaker,
) -> None:
    customer = uuid.uuid4()
    async with sessionmaker() as session, session.begin():
        await KnownCustomerRepository(session).upsert(
            customer_id=customer, name="SIA Koks", language="lv", currency="EUR"
        )
    body = "\n".join(
        ["number,customer_id,currency,issue_date,due_date,total"]
        + [f"R-{n},{customer},EUR,2026-01-10,2026-02-09,10.00" for n in range(200)]
    ).encode()
    clock = ManualClock(datetime(2026, 3, 2, 9, tzinfo=UTC))

    async def second() -> ImportResult:
        async with sessionmaker() as session, session.begin():
            return await import_invoices(session, clock, body, "text/csv", "erp")

    async with sessionmaker() as session, session.begin():
        loaded = await import_invoices(session, clock, body, "text/csv", "erp")
        # The second passes validation (the first is not committed) and waits on the index.
        waiting = asyncio.create_task(second())
        await eventually(lambda: lock_waiters(sessionmaker))
    with pytest.raises(ProblemError) as refused:
        await waiting

    assert loaded.imported == 200
    assert refused.value.status == 409
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Invoice)) == 200
        assert await session.scalar(select(func.count()).select_from(OutboxEvent)) == 200
