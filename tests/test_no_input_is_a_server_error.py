"""Schemathesis against each service's own OpenAPI document: whatever a client sends, valid or
not, the answer is never a 5xx.

Each service runs under uvicorn on a free loopback port with its own freshly migrated database
and an API key; schemathesis sends real HTTP requests. The run is bounded and repeatable: a fixed
number of examples per operation and mode, derandomized (a fixed seed). The check is "no 5xx"
only: the shape of each 4xx answer is other tests' business.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import hypothesis
import pytest
import requests
import schemathesis
import uvicorn
from fastapi import FastAPI
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.customers.repository import KnownCustomerRepository
from receivables_shared.auth.keys import Scope, issue_api_key
from receivables_shared.db.engine import SessionMaker
from receivables_shared.devstack.network import free_port
from receivables_shared.http.app import create_app
from receivables_shared.service import ServiceDefinition
from receivables_shared.services_registry import SERVICES
from receivables_shared.testing.helpers import eventually
from receivables_shared.testing.service import (
    database_name_for_tests,
    fresh_database,
    settings_for_tests,
)

EXAMPLES_PER_OPERATION = 25
MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
#: Probes and scrapes take no input; readiness is a 503 on purpose while the broker is away.
NO_INPUT = r"^/(health|metrics)"


async def seed_known_customer(session: AsyncSession) -> dict[str, Any]:
    """Invoicing refuses unknown customers first; with a known one the rest of the body counts."""
    customer_id = uuid.uuid4()
    await KnownCustomerRepository(session).upsert(
        customer_id=customer_id, name="SIA Koks", language="lv", currency="EUR"
    )
    return {"customer_id": str(customer_id)}


async def no_rows(session: AsyncSession) -> dict[str, Any]:
    return {}


#: Rows a service needs before generated requests get past its lookups.
SEEDS: dict[str, Callable[[AsyncSession], Awaitable[dict[str, Any]]]] = {
    "invoicing": seed_known_customer
}
#: Values the OpenAPI document describes too loosely for generated ones to pass (a currency must
#: be a real ISO 4217 code, an amount a decimal with cents). Half the generated bodies take them,
#: so that generation reaches the service and the database with the other fields.
KNOWN_GOOD: dict[str, Any] = {
    "currency": "EUR",
    "lines": [{"description": "Pallets", "quantity": "2", "unit_price": "600.25"}],
}


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[str]:
    """The app under uvicorn in a thread of its own (its own event loop), on a free port."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    try:
        await eventually(lambda: _started(server), timeout=30)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


async def _started(server: uvicorn.Server) -> bool:
    return server.started


@pytest.mark.parametrize(
    "definition",
    [entry.definition() for entry in SERVICES],
    ids=lambda definition: definition.name,
)
async def test_no_generated_request_gets_a_5xx(
    definition: ServiceDefinition, postgres_server_url: str
) -> None:
    url = await fresh_database(
        definition, postgres_server_url, database_name_for_tests(definition, "fuzz")
    )
    app = create_app(definition, settings_for_tests(definition, url, "127.0.0.1:1"))
    sessionmaker: SessionMaker = app.state.sessionmaker
    async with sessionmaker() as session, session.begin():
        key = await issue_api_key(session, name="schemathesis", scopes=[Scope.ADMIN])
        known_good = KNOWN_GOOD | await SEEDS.get(definition.name, no_rows)(session)
    await app.state.engine.dispose()  # its connections belong to this loop, not the server's
    headers = {"Authorization": f"Bearer {key.secret}"}

    async with serving(app) as base_url:
        # Blocking calls from here on: the server answers from its own thread and loop.
        schema = schemathesis.openapi.from_dict(app.openapi()).exclude(path_regex=NO_INPUT)
        operations = []
        for result in schema.get_all_operations():
            if isinstance(result, Err):
                raise result.err()  # the document itself is broken
            operations.append(result.ok())
        assert operations, "the document lists no operation to test"
        with requests.Session() as http:  # one connection, not one per example
            for operation in operations:
                for mode in MODES:
                    exercise(operation, mode, Target(http, base_url, headers), known_good)


@dataclass(frozen=True)
class Target:
    http: requests.Session
    base_url: str
    headers: dict[str, str]


def exercise(operation: Any, mode: Any, target: Target, known_good: dict[str, Any]) -> None:
    @hypothesis.settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(hypothesis.HealthCheck),
        phases=[hypothesis.Phase.generate],  # a failure names its case; no time spent shrinking
    )
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode), fix=st.booleans())
    def no_server_error(case: Any, fix: bool) -> None:
        if fix and isinstance(case.body, dict):
            case.body.update({k: value for k, value in known_good.items() if k in case.body})
        response = case.call(
            base_url=target.base_url, session=target.http, headers=target.headers, timeout=10
        )
        case.validate_response(response, checks=[not_a_server_error])

    try:
        no_server_error()
    except hypothesis.errors.Unsatisfiable:
        # An operation without parameters or body has no invalid request to make.
        assert mode is schemathesis.GenerationMode.NEGATIVE, operation.label
