"""THE RACE: many reserving checks for one customer at once, over real connections to the app
served by uvicorn, never reserve more than the limit allows."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal

import httpx
from sqlalchemy import func, select

from credit_policy.credit_checks.models import CreditReservation
from credit_policy.definition import SERVICE
from credit_policy.testing import grant_credit
from receivables_shared.auth.keys import Scope, issue_api_key
from receivables_shared.clock import ManualClock
from receivables_shared.db.engine import SessionMaker
from receivables_shared.http.app import create_app
from receivables_shared.testing.server import served
from receivables_shared.testing.service import (
    TEST_START,
    database_name_for_tests,
    fresh_database,
    settings_for_tests,
)

CHECKS = 120
LIMIT = Decimal("5000.00")


async def committed_credit_customer(
    sessionmaker: SessionMaker, clock: ManualClock, client: httpx.AsyncClient
) -> uuid.UUID:
    created = await client.post(
        "/v1/customers",
        json={"name": "SIA Koks", "country": "LV", "language": "lv", "currency": "EUR"},
    )
    assert created.status_code == 201, created.text
    customer_id = uuid.UUID(created.json()["id"])
    async with sessionmaker() as session, session.begin():
        await grant_credit(session, clock, customer_id, class_key="race", limit=LIMIT)
    return customer_id


async def test_parallel_reserving_checks_never_exceed_the_limit(postgres_server_url: str) -> None:
    url = await fresh_database(
        SERVICE, postgres_server_url, database_name_for_tests(SERVICE, "race")
    )
    clock = ManualClock(TEST_START)
    app = create_app(
        SERVICE, settings_for_tests(SERVICE, url, "127.0.0.1:1", database_pool_size=20), clock=clock
    )
    async with served(app) as base_url:
        sessionmaker: SessionMaker = app.state.sessionmaker
        async with sessionmaker() as session, session.begin():
            key = (await issue_api_key(session, name="race", scopes=[Scope.ADMIN])).secret
        limits = httpx.Limits(max_connections=CHECKS, max_keepalive_connections=CHECKS)
        async with httpx.AsyncClient(
            base_url=base_url,
            headers={"Authorization": f"Bearer {key}"},
            limits=limits,
            timeout=60,
        ) as client:
            customer_id = await committed_credit_customer(sessionmaker, clock, client)
            # Amounts of 70.00 to 129.00: no sum lands on the limit by luck.
            amounts = [Decimal(70 + index % 60) for index in range(CHECKS)]

            async def reserve(index: int) -> httpx.Response:
                return await client.post(
                    "/v1/credit-checks",
                    json={
                        "customer_id": str(customer_id),
                        "amount": f"{amounts[index]:.2f}",
                        "currency": "EUR",
                        "order_reference": f"SO-{index}",
                        "reserve": True,
                    },
                )

            responses = await asyncio.gather(*(reserve(index) for index in range(CHECKS)))

        assert {response.status_code for response in responses} == {200}
        answers = [response.json() for response in responses]
        approved = [i for i, a in enumerate(answers) if a["decision"] == "approved"]
        declined = [i for i, a in enumerate(answers) if a["decision"] != "approved"]
        assert declined, "the limit must run out for the race to mean anything"
        assert all(answers[i]["decision"] == "declined" for i in declined)
        assert all(answers[i]["reasons"] == ["over_limit"] for i in declined)
        async with sessionmaker() as session:
            reserved = await session.scalar(
                select(func.sum(CreditReservation.amount)).where(
                    CreditReservation.customer_id == customer_id,
                    CreditReservation.status == "active",
                )
            )
            count = await session.scalar(
                select(func.count()).where(CreditReservation.customer_id == customer_id)
            )
        assert count == len(approved)
        assert reserved == sum(amounts[i] for i in approved)
        assert reserved is not None and reserved <= LIMIT
        # Every declined order was declined because it did not fit in what was left when its
        # turn came: the checks ran one after the other, each seeing all reserved before it.
        for index, answer in enumerate(answers):
            exposure = Decimal(answer["exposure"])
            fits = exposure + amounts[index] <= LIMIT
            assert fits == (answer["decision"] == "approved"), answer
        # The approvals, in the order they were serialised, add up: each saw the sum of the
        # ones before it, so the exposures seen are exactly the running totals.
        running = Decimal(0)
        for exposure, amount in sorted(
            (Decimal(answers[i]["exposure"]), amounts[i]) for i in approved
        ):
            assert exposure == running
            running += amount
        assert running == reserved
        # ...and what was left at the end fits none of the declined orders: the limit allowed
        # exactly what was approved.
        assert LIMIT - running < min(amounts[i] for i in declined)
