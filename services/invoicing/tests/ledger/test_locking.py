"""Two transactions moving one invoice's open amount are serialised by the row lock: the second
waits for the first and then sees its open amount (no lost update, never below zero)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import text

from invoicing.customers.repository import KnownCustomerRepository
from invoicing.definition import SERVICE
from invoicing.invoices.models import Invoice
from invoicing.ledger.models import MovementKind
from invoicing.ledger.service import post_movement
from invoicing.testing import invoice_body
from receivables_shared.db.engine import SessionMaker, create_engine, create_sessionmaker
from receivables_shared.http.app import create_app
from receivables_shared.http.problems import InvalidField
from receivables_shared.testing.helpers import api_key_headers, eventually
from receivables_shared.testing.service import (
    database_name_for_tests,
    fresh_database,
    settings_for_tests,
)

DAY = date(2026, 3, 10)


@pytest_asyncio.fixture
async def committing_url(postgres_server_url: str) -> str:
    return await fresh_database(
        SERVICE, postgres_server_url, database_name_for_tests(SERVICE, "ledger_lock")
    )


@pytest_asyncio.fixture
async def sessionmaker(committing_url: str) -> AsyncIterator[SessionMaker]:
    engine = create_engine(committing_url, pool_size=3)
    yield create_sessionmaker(engine)
    await engine.dispose()


async def committed_invoice(url: str, sessionmaker: SessionMaker) -> uuid.UUID:
    customer_id = uuid.uuid4()
    async with sessionmaker() as session, session.begin():
        await KnownCustomerRepository(session).upsert(
            customer_id=customer_id, name="SIA Koks", language="lv", currency="EUR"
        )
        headers = await api_key_headers(session)
    app = create_app(SERVICE, settings_for_tests(SERVICE, url, "127.0.0.1:1"))
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://t", headers=headers
        ) as client:
            response = await client.post("/v1/invoices", json=invoice_body(customer_id))
            assert response.status_code == 201, response.text  # total 1200.50
            return uuid.UUID(response.json()["id"])
    finally:
        await app.state.engine.dispose()


async def pay(sessionmaker: SessionMaker, invoice_id: uuid.UUID, amount: str) -> Decimal:
    async with sessionmaker() as session, session.begin():
        invoice = await session.get(Invoice, invoice_id)
        assert invoice is not None
        await post_movement(
            session,
            invoice,
            kind=MovementKind.PAYMENT,
            amount=-Decimal(amount),
            business_date=DAY,
            source_id=uuid.uuid4(),
        )
        return invoice.open_amount


async def lock_waiters(sessionmaker: SessionMaker) -> int:
    async with sessionmaker() as session:
        waiting = await session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )
        return int(waiting or 0)


async def test_a_second_payment_waits_for_the_first_and_sees_its_open_amount(
    committing_url: str, sessionmaker: SessionMaker
) -> None:
    invoice_id = await committed_invoice(committing_url, sessionmaker)

    async with sessionmaker() as first, first.begin():
        invoice = await first.get(Invoice, invoice_id)
        assert invoice is not None
        await post_movement(
            first,
            invoice,
            kind=MovementKind.PAYMENT,
            amount=Decimal("-700.00"),
            business_date=DAY,
            source_id=uuid.uuid4(),
        )
        second = asyncio.create_task(pay(sessionmaker, invoice_id, "700.00"))
        await eventually(lambda: lock_waiters(sessionmaker))  # blocked on the row lock
        assert not second.done()
    # The first committed: the second now sees 500.50 open and may not take 700.00.
    with pytest.raises(InvalidField):
        await second

    assert await pay(sessionmaker, invoice_id, "500.50") == Decimal("0")
