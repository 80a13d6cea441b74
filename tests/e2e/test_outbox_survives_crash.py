"""Killing a service between its database commit and its publish loses no event.

The API process commits an invoice and its InvoiceIssued outbox row, then is killed with SIGKILL
before anything publishes it (it runs with role "api": no relay). A worker process started
afterwards finds the committed row and publishes it, exactly once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import select

from invoicing.customers.repository import KnownCustomerRepository
from invoicing.definition import SERVICE
from receivables_shared.auth.keys import Scope, issue_api_key
from receivables_shared.db.engine import SessionMaker, create_engine, create_sessionmaker
from receivables_shared.devstack.broker import EmbeddedBroker
from receivables_shared.devstack.network import free_port, wait_for_port
from receivables_shared.outbox.models import OutboxEvent
from receivables_shared.testing.helpers import eventually
from receivables_shared.testing.kafka import header, read_topic
from receivables_shared.testing.service import database_name_for_tests, fresh_database

pytestmark = pytest.mark.e2e

LOGS = Path(__file__).resolve().parents[2] / "var" / "logs"


@pytest.fixture(scope="module")
def broker() -> Iterator[EmbeddedBroker]:
    """A broker of its own, so no other test's invoicing consumer group is disturbed."""
    broker = EmbeddedBroker().start()
    yield broker
    broker.stop()


@pytest_asyncio.fixture
async def invoicing_db(postgres_server_url: str) -> AsyncIterator[tuple[str, SessionMaker]]:
    url = await fresh_database(
        SERVICE, postgres_server_url, database_name_for_tests(SERVICE, "crash")
    )
    engine = create_engine(url, pool_size=1)
    yield url, create_sessionmaker(engine)
    await engine.dispose()


def start_invoicing(
    role: str, url: str, broker: EmbeddedBroker, port: int
) -> subprocess.Popen[bytes]:
    LOGS.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "INVOICING_ROLE": role,
        "INVOICING_DATABASE_URL": url,
        "INVOICING_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
        "INVOICING_KAFKA_ENABLE_IDEMPOTENCE": "false",
        "INVOICING_KAFKA_SESSION_TIMEOUT_MS": "2000",
        "INVOICING_MIGRATE_ON_STARTUP": "false",
        "INVOICING_PORT": str(port),
    }
    log = open(LOGS / f"crash-test-invoicing-{role}.log", "ab")  # noqa: SIM115
    return subprocess.Popen(
        [sys.executable, "-m", "invoicing", "serve"], env=env, stdout=log, stderr=log
    )


async def test_event_committed_before_a_kill_is_published_after_restart(
    invoicing_db: tuple[str, SessionMaker], broker: EmbeddedBroker
) -> None:
    url, sessionmaker = invoicing_db
    customer_id = uuid.uuid4()
    async with sessionmaker() as session, session.begin():
        await KnownCustomerRepository(session).upsert(
            customer_id=customer_id, name="SIA Koks", language="lv", currency="EUR"
        )
        key = await issue_api_key(session, name="crash test", scopes=[Scope.WRITE])
    port = free_port()
    api = start_invoicing("api", url, broker, port)
    try:
        await asyncio.to_thread(wait_for_port, "127.0.0.1", port)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            response = await client.post(
                "/v1/invoices",
                headers={"Authorization": f"Bearer {key.secret}"},
                json={
                    "customer_id": str(customer_id),
                    "currency": "EUR",
                    "lines": [{"description": "Pallets", "unit_price": "42.00"}],
                },
            )
        assert response.status_code == 201, response.text
    finally:
        api.send_signal(signal.SIGKILL)
        api.wait()
    invoice_id = response.json()["id"]
    async with sessionmaker() as session:
        row = await session.scalar(select(OutboxEvent))
    assert row is not None and row.payload["invoice_id"] == invoice_id
    assert row.published_at is None  # committed, never published: the process died first

    worker = start_invoicing("worker", url, broker, free_port())
    try:
        records = await read_topic(
            broker.bootstrap_servers,
            "invoicing.events",
            lambda rs: any(header(r, "ce_id") == str(row.event_id) for r in rs),
            timeout=60,
        )

        async def marked() -> bool:
            async with sessionmaker() as session:
                published = await session.get(OutboxEvent, row.id)
                return published is not None and published.published_at is not None

        await eventually(marked, timeout=30)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    published = [r for r in records if header(r, "ce_id") == str(row.event_id)]
    assert len(published) == 1
    assert published[0].key == str(customer_id).encode()
    assert header(published[0], "ce_type") == "receivables.InvoiceIssued.v1"
