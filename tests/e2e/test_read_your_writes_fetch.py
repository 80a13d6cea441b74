"""Read-your-writes with credit-policy configured: invoicing asks it for a customer it has not
heard of yet, over HTTP with its own key.

credit-policy is served by uvicorn on a real port (with its outbox relay publishing to the real
broker); invoicing runs in this process with its consumer reading CustomerCreated, so the event
arrives after the fetch and must change nothing."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import func, select

from credit_policy.customers.models import Customer
from credit_policy.customers.repository import CustomerRepository
from credit_policy.definition import SERVICE as CREDIT_POLICY
from invoicing.customers.models import KnownCustomer
from invoicing.definition import SERVICE as INVOICING
from invoicing.invoices.models import Invoice
from receivables_shared.auth.keys import Scope, issue_api_key
from receivables_shared.consumer.models import InboxEvent
from receivables_shared.db.engine import SessionMaker
from receivables_shared.http.app import create_app
from receivables_shared.outbox.models import OutboxEvent
from receivables_shared.peers import Peer, PeerUnavailable
from receivables_shared.service import ServiceDefinition
from receivables_shared.testing.helpers import eventually
from receivables_shared.testing.server import served
from receivables_shared.testing.service import (
    database_name_for_tests,
    fresh_database,
    settings_for_tests,
)

pytestmark = pytest.mark.e2e

LINES = [{"description": "Pallets", "quantity": "2", "unit_price": "600.25"}]


@dataclass
class Pair:
    credit_policy_url: str
    credit_policy: httpx.AsyncClient  # over the real port
    credit_policy_db: SessionMaker
    invoicing: httpx.AsyncClient
    invoicing_db: SessionMaker


async def admin_key(sessionmaker: SessionMaker, name: str, scope: Scope = Scope.ADMIN) -> str:
    async with sessionmaker() as session, session.begin():
        return (await issue_api_key(session, name=name, scopes=[scope])).secret


async def database(definition: ServiceDefinition, server_url: str) -> str:
    name = database_name_for_tests(definition, "ryw")
    return await fresh_database(definition, server_url, name)


@pytest_asyncio.fixture(scope="module")
async def pair(postgres_server_url: str, kafka_bootstrap: str) -> AsyncIterator[Pair]:
    async with AsyncExitStack() as stack:
        credit_policy = create_app(
            CREDIT_POLICY,
            settings_for_tests(
                CREDIT_POLICY,
                await database(CREDIT_POLICY, postgres_server_url),
                kafka_bootstrap,
                role="all",
            ),
        )
        credit_policy_url = await stack.enter_async_context(served(credit_policy))
        credit_policy_db: SessionMaker = credit_policy.state.sessionmaker
        # Invoicing's own key at credit-policy: it only needs to read.
        invoicing_key = await admin_key(credit_policy_db, "invoicing", Scope.READ)

        invoicing = create_app(
            INVOICING,
            settings_for_tests(
                INVOICING,
                await database(INVOICING, postgres_server_url),
                kafka_bootstrap,
                role="all",
                credit_policy_url=credit_policy_url,
                credit_policy_api_key=invoicing_key,
            ),
        )
        await stack.enter_async_context(invoicing.router.lifespan_context(invoicing))
        invoicing_db: SessionMaker = invoicing.state.sessionmaker

        credit_policy_client = await stack.enter_async_context(
            httpx.AsyncClient(
                base_url=credit_policy_url,
                headers={"Authorization": f"Bearer {await admin_key(credit_policy_db, 'e2e')}"},
            )
        )
        invoicing_client = await stack.enter_async_context(
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=invoicing),
                base_url="http://invoicing",
                headers={"Authorization": f"Bearer {await admin_key(invoicing_db, 'e2e')}"},
            )
        )
        yield Pair(
            credit_policy_url,
            credit_policy_client,
            credit_policy_db,
            invoicing_client,
            invoicing_db,
        )


async def create_customer(pair: Pair, name: str = "SIA Koks") -> str:
    response = await pair.credit_policy.post(
        "/v1/customers", json={"name": name, "country": "LV", "language": "lv", "currency": "EUR"}
    )
    assert response.status_code == 201, response.text
    customer_id: str = response.json()["id"]
    return customer_id


async def invoice(pair: Pair, customer_id: str) -> httpx.Response:
    return await pair.invoicing.post(
        "/v1/invoices", json={"customer_id": customer_id, "currency": "EUR", "lines": LINES}
    )


async def test_fifty_customers_invoiced_the_moment_they_are_created(pair: Pair) -> None:
    customers = []
    for attempt in range(50):
        customer_id = await create_customer(pair, name=f"Customer {attempt}")
        response = await invoice(pair, customer_id)
        assert response.status_code == 201, (attempt, response.text)
        customers.append(uuid.UUID(customer_id))

    # Then every CustomerCreated arrives, and the upsert it makes changes nothing.
    async with pair.credit_policy_db() as session:
        event_ids = set(
            (
                await session.scalars(
                    select(OutboxEvent.event_id).where(
                        OutboxEvent.partition_key.in_([str(c) for c in customers]),
                        # Each new customer also announces its terms; invoicing counts these.
                        OutboxEvent.event_type == "receivables.CustomerCreated.v1",
                    )
                )
            ).all()
        )
    assert len(event_ids) == 50

    async def all_events_consumed() -> bool:
        async with pair.invoicing_db() as session:
            consumed = await session.scalar(
                select(func.count()).where(InboxEvent.event_id.in_(event_ids))
            )
        return consumed == 50

    await eventually(all_events_consumed)
    async with pair.invoicing_db() as session:
        known = (
            await session.scalars(select(KnownCustomer).where(KnownCustomer.id.in_(customers)))
        ).all()
        invoices = await session.scalar(
            select(func.count()).where(Invoice.customer_id.in_(customers))
        )
    assert sorted((k.id, k.name) for k in known) == sorted(
        (c, f"Customer {n}") for n, c in enumerate(customers)
    )
    assert invoices == 50


async def test_a_customer_whose_event_never_came_is_asked_of_credit_policy(pair: Pair) -> None:
    # Registered in credit-policy without an event: only asking credit-policy can find it.
    customer_id = uuid.uuid4()
    async with pair.credit_policy_db() as session, session.begin():
        await CustomerRepository(session).add(
            Customer(
                id=customer_id,
                name="SIA Kluss",
                country="LV",
                language="lv",
                currency="EUR",
                time_zone="Europe/Riga",
            )
        )

    response = await invoice(pair, str(customer_id))

    assert response.status_code == 201, response.text
    async with pair.invoicing_db() as session:
        known = await session.get(KnownCustomer, customer_id)
    assert known is not None
    assert (known.name, known.language, known.currency) == ("SIA Kluss", "lv", "EUR")


async def test_a_customer_that_does_not_exist_is_a_422(pair: Pair) -> None:
    customer_id = uuid.uuid4()

    response = await invoice(pair, str(customer_id))

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "customer_id"
    assert f"customer {customer_id} does not exist" in response.json()["detail"]
    async with pair.invoicing_db() as session:
        assert await session.get(KnownCustomer, customer_id) is None
        invoices = await session.scalar(
            select(func.count()).where(Invoice.customer_id == customer_id)
        )
    assert invoices == 0


async def test_a_key_credit_policy_rejects_means_could_not_ask_not_does_not_exist(
    pair: Pair,
) -> None:
    customer_id = await create_customer(pair)
    wrong_key = Peer("credit-policy", pair.credit_policy_url, "rk_wrong_key")
    right_key = Peer(
        "credit-policy",
        pair.credit_policy_url,
        await admin_key(pair.credit_policy_db, "r", Scope.READ),
    )

    with pytest.raises(PeerUnavailable) as refused:
        await wrong_key.get_json(f"/v1/customers/{customer_id}")

    assert refused.value.status == 503
    assert "401" in refused.value.detail
    found = await right_key.get_json(f"/v1/customers/{customer_id}")
    assert found is not None and found["id"] == customer_id
    assert await right_key.get_json(f"/v1/customers/{uuid.uuid4()}") is None
