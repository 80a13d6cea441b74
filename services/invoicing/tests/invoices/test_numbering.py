"""Numbers are gap-free per series and year under concurrency: 50 invoices issued at once over
real HTTP connections to the app on a real port get 1..50, and a rolled-back transaction gives
its number back."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest_asyncio
from sqlalchemy import select

from invoicing.customers.repository import KnownCustomerRepository
from invoicing.definition import SERVICE
from invoicing.invoices.models import Invoice
from invoicing.numbering.repository import next_number
from invoicing.testing import invoice_body
from receivables_shared.db.engine import SessionMaker, create_engine, create_sessionmaker
from receivables_shared.http.app import create_app
from receivables_shared.testing.helpers import api_key_headers
from receivables_shared.testing.server import served
from receivables_shared.testing.service import (
    database_name_for_tests,
    fresh_database,
    settings_for_tests,
)

PARALLEL = 50


@pytest_asyncio.fixture
async def committing_url(postgres_server_url: str) -> str:
    """A database of its own: every request really commits."""
    return await fresh_database(
        SERVICE, postgres_server_url, database_name_for_tests(SERVICE, "numbering")
    )


@pytest_asyncio.fixture
async def sessionmaker(committing_url: str) -> AsyncIterator[SessionMaker]:
    engine = create_engine(committing_url, pool_size=2)
    yield create_sessionmaker(engine)
    await engine.dispose()


async def test_parallel_issues_get_every_number_once_without_gaps(
    committing_url: str, sessionmaker: SessionMaker
) -> None:
    customer_id = uuid.uuid4()
    async with sessionmaker() as session, session.begin():
        await KnownCustomerRepository(session).upsert(
            customer_id=customer_id, name="SIA Koks", language="lv", currency="EUR", country="LV"
        )
        headers = await api_key_headers(session)
        # A transaction that took a number and rolled back leaves no gap.
        async with session.begin_nested() as abandoned:
            assert await next_number(session, "INV", 2026) == 1
            await abandoned.rollback()
    app = create_app(SERVICE, settings_for_tests(SERVICE, committing_url, "127.0.0.1:1"))
    body = invoice_body(customer_id, issue_date="2026-03-02")

    async with (
        served(app) as base_url,
        httpx.AsyncClient(base_url=base_url, headers=headers, timeout=60) as client,
    ):
        responses = await asyncio.gather(
            *(client.post("/v1/invoices", json=body) for _ in range(PARALLEL))
        )

    assert [response.status_code for response in responses] == [201] * PARALLEL
    async with sessionmaker() as session:
        numbers = (await session.scalars(select(Invoice.number))).all()
    assert sorted(numbers) == [f"INV-2026-{n:06d}" for n in range(1, PARALLEL + 1)]
    assert sorted(response.json()["number"] for response in responses) == sorted(numbers)
