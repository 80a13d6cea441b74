"""A stalled transaction holding the invoice counter must not make issuing hang: the API's
lock_timeout turns the wait into a quick 503 problem, and nothing is written."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest_asyncio
from sqlalchemy import func, select, text

from invoicing.customers.repository import KnownCustomerRepository
from invoicing.definition import SERVICE
from invoicing.invoices.models import Invoice
from receivables_shared.db.engine import SessionMaker, create_engine, create_sessionmaker
from receivables_shared.http.app import create_app
from receivables_shared.testing.helpers import api_key_headers
from receivables_shared.testing.service import (
    database_name_for_tests,
    fresh_database,
    settings_for_tests,
)

#: Short enough for a test, long enough that an ordinary issue never meets it.
LOCK_TIMEOUT = 0.3
HOLD_COUNTER = text(
    "INSERT INTO number_counters (series, year, last_number) VALUES ('INV', 2026, 0)"
    " ON CONFLICT (series, year) DO UPDATE SET last_number = number_counters.last_number"
)


@pytest_asyncio.fixture
async def committing_url(postgres_server_url: str) -> str:
    """A database of its own: this test commits (the request really runs its unit of work)."""
    return await fresh_database(
        SERVICE, postgres_server_url, database_name_for_tests(SERVICE, "timeouts")
    )


@pytest_asyncio.fixture
async def sessionmaker(committing_url: str) -> AsyncIterator[SessionMaker]:
    engine = create_engine(committing_url, pool_size=2)
    yield create_sessionmaker(engine)
    await engine.dispose()


async def invoices(sessionmaker: SessionMaker) -> int:
    async with sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(Invoice)) or 0


async def test_a_held_counter_lock_is_a_fast_503_not_a_hang_or_a_500(
    committing_url: str, sessionmaker: SessionMaker
) -> None:
    customer_id = uuid.uuid4()
    async with sessionmaker() as session, session.begin():
        await KnownCustomerRepository(session).upsert(
            customer_id=customer_id, name="SIA Koks", language="lv", currency="EUR"
        )
        headers = await api_key_headers(session)
    settings = settings_for_tests(
        SERVICE, committing_url, "127.0.0.1:1", api_lock_timeout_seconds=LOCK_TIMEOUT
    )
    app = create_app(SERVICE, settings)
    body = {
        "customer_id": str(customer_id),
        "currency": "EUR",
        "lines": [{"description": "Pallets", "quantity": "2", "unit_price": "600.25"}],
    }
    transport = httpx.ASGITransport(app=app)
    try:
        async with (
            httpx.AsyncClient(transport=transport, base_url="http://t", headers=headers) as client,
            sessionmaker() as stalled,
            stalled.begin(),
        ):
            await stalled.execute(HOLD_COUNTER)  # holds the row lock until rolled back
            started = time.monotonic()
            # Without the lock timeout the request would wait for the stalled transaction.
            response = await asyncio.wait_for(client.post("/v1/invoices", json=body), timeout=10)
            waited = time.monotonic() - started
            await stalled.rollback()

            assert response.status_code == 503, response.text
            assert response.headers["content-type"] == "application/problem+json"
            assert response.headers["retry-after"] == "1"
            assert response.json()["status"] == 503
            assert waited < 5  # the lock timeout, not the stalled transaction, ended the wait
            assert await invoices(sessionmaker) == 0

            # Once the stalled transaction is gone, the same request goes through.
            retried = await client.post("/v1/invoices", json=body)
            assert retried.status_code == 201, retried.text
    finally:
        await app.state.engine.dispose()


async def test_the_api_engine_carries_the_api_timeouts(committing_url: str) -> None:
    app = create_app(SERVICE, settings_for_tests(SERVICE, committing_url, "127.0.0.1:1"))
    try:
        async with app.state.engine.connect() as connection:
            shown = [
                (await connection.execute(text(f"SHOW {name}"))).scalar_one()
                for name in (
                    "statement_timeout",
                    "lock_timeout",
                    "idle_in_transaction_session_timeout",
                )
            ]
    finally:
        await app.state.engine.dispose()

    assert shown == ["5s", "2s", "10s"]
