"""One problem shape for every error, on a real app with a real database behind it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Annotated, Any, ClassVar

import httpx
import pytest
import pytest_asyncio
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from openapi_schema_validator import OAS31Validator
from pydantic import BaseModel, ConfigDict
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from receivables_shared.db.base import make_metadata
from receivables_shared.db.driver import DriverStatement
from receivables_shared.db.engine import SessionMaker
from receivables_shared.http.app import create_app
from receivables_shared.http.dependencies import SessionDep
from receivables_shared.http.problems import InvalidField, ProblemType, problem_response
from receivables_shared.money import Amount, CurrencyCode, Quantity
from receivables_shared.service import ServiceDefinition
from receivables_shared.settings import ServiceSettings
from receivables_shared.testing.helpers import api_key_headers


class ProbeSettings(ServiceSettings):
    database_name: ClassVar[str] = "test_shared_problems"


class ThingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: Amount
    quantity: Quantity = Decimal(1)
    currency: CurrencyCode


router = APIRouter(prefix="/things")


@router.post("")
async def create_thing(data: ThingCreate) -> dict[str, str]:
    return {"amount": str(data.amount), "quantity": str(data.quantity)}


@router.post("/for-customer")
async def create_thing_breaking_a_rule(data: ThingCreate) -> None:
    raise InvalidField("currency", "is not the customer's currency")


@router.get("/{thing_id}")
async def get_thing(thing_id: uuid.UUID, limit: Annotated[int, Query(ge=1)] = 10) -> dict[str, str]:
    return {"id": str(thing_id)}


@router.get("/reports/slow")
async def slow_report(session: SessionDep) -> None:
    # A real statement timeout (SQLSTATE 57014): the database gave up, not the request's fault.
    await session.execute(text("SET LOCAL statement_timeout = '20ms'"))
    await session.execute(text("SELECT pg_sleep(2)"))


SLEEP = DriverStatement(text("SELECT pg_sleep(2)"))


@router.get("/reports/slow-by-driver")
async def slow_report_by_driver(session: SessionDep) -> None:
    # The same timeout met by a statement asyncpg runs itself (db/driver.py).
    await session.execute(text("SET LOCAL statement_timeout = '20ms'"))
    await SLEEP.fetchrow(session, {})


@router.post("/answered-by-hand/{status}")
async def answered_by_hand(status: int, request: Request) -> JSONResponse:
    # What an ASGI middleware does before any route runs (auth before body, body limits).
    return problem_response(request, status, "answered without a route's help")


PROBE = ServiceDefinition(
    name="probe",
    title="Probe",
    settings_class=ProbeSettings,
    metadata=make_metadata(),
    migrations="unused:migrations",
    routers=[router],
)

VALID = {"amount": "12.50", "quantity": "2", "currency": "EUR"}
JSON = {"content-type": "application/json"}


@pytest_asyncio.fixture
async def client(
    platform_engine: AsyncEngine, sessionmaker: SessionMaker
) -> AsyncIterator[httpx.AsyncClient]:
    async with sessionmaker() as session, session.begin():
        headers = await api_key_headers(session)
    settings = ProbeSettings(
        database_url=platform_engine.url.render_as_string(hide_password=False),
        kafka_bootstrap_servers="127.0.0.1:1",
        role="api",
    )
    app = create_app(PROBE, settings)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://probe", headers=headers
    ) as client:
        yield client
    await app.state.engine.dispose()


def assert_problem(response: httpx.Response, status: int, kind: ProblemType) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert set(problem) == {"type", "title", "status", "detail", "instance", "errors"}
    assert (problem["type"], problem["status"]) == (kind.value, status)
    return problem


async def test_the_served_problem_schema_describes_real_problems(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get("/openapi.json")).json()
    schema = {"$ref": "#/components/schemas/Problem", "components": document["components"]}
    validator = OAS31Validator(schema)

    answers = [
        await client.post("/v1/things", json={**VALID, "amount": 1}),
        await client.post("/v1/things", content=b"{", headers=JSON),
        await client.get("/v1/nowhere"),
    ]

    for answer in answers:
        assert list(validator.iter_errors(answer.json())) == [], answer.text


async def test_business_rule_and_validation_problems_look_alike(
    client: httpx.AsyncClient,
) -> None:
    invalid = await client.post("/v1/things", json={**VALID, "currency": "EURO"})
    broken_rule = await client.post("/v1/things/for-customer", json=VALID)

    first = assert_problem(invalid, 422, ProblemType.VALIDATION)
    second = assert_problem(broken_rule, 422, ProblemType.VALIDATION)
    assert first["title"] == second["title"] == "Validation failed"
    assert first["errors"][0].keys() == second["errors"][0].keys()
    assert second["errors"] == [
        {"field": "currency", "location": "body", "message": "is not the customer's currency"}
    ]
    assert second["detail"] == "Invalid field 'currency': is not the customer's currency"


async def test_messages_carry_no_pydantic_prefix(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/things", json={**VALID, "currency": "XAU"})

    problem = assert_problem(response, 422, ProblemType.VALIDATION)
    [error] = problem["errors"]
    assert error == {
        "field": "currency",
        "location": "body",
        "message": "'XAU' is not the ISO 4217 code of a currency in use",
    }
    assert "Value error" not in problem["detail"]


@pytest.mark.parametrize(
    ("field", "number"),
    [("amount", 0.1), ("amount", 12), ("quantity", 2), ("quantity", 1.5)],
    ids=["float-amount", "integer-amount", "integer-quantity", "float-quantity"],
)
async def test_a_json_number_is_refused_asking_for_a_decimal_string(
    client: httpx.AsyncClient, field: str, number: float
) -> None:
    response = await client.post("/v1/things", json={**VALID, field: number})

    problem = assert_problem(response, 422, ProblemType.VALIDATION)
    [error] = problem["errors"]
    assert (error["field"], error["location"]) == (field, "body")
    assert error["message"].startswith(f'send it as a decimal string, e.g. "{number}"')


async def test_decimal_strings_are_read_exactly(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/things", json={**VALID, "amount": "0.10"})

    assert response.status_code == 200
    assert response.json() == {"amount": "0.10", "quantity": "2"}


async def test_invalid_json_is_a_400_naming_the_body_and_the_position(
    client: httpx.AsyncClient,
) -> None:
    body = b'{\n  "amount": "1.00",\n  "currency" "EUR"\n}'

    response = await client.post("/v1/things", content=body, headers=JSON)

    problem = assert_problem(response, 400, ProblemType.INVALID_JSON)
    assert problem["detail"] == (
        "The request body is not valid JSON: "
        "expecting ':' delimiter at line 3, column 14 (character 36)."
    )
    assert problem["errors"] == [
        {
            "field": "body",
            "location": "body",
            "message": "Expecting ':' delimiter at line 3, column 14 (character 36)",
        }
    ]


@pytest.mark.parametrize(
    ("headers", "said"),
    [
        ({"content-type": "text/plain"}, "it was sent as text/plain."),
        ({"content-type": "application/x-www-form-urlencoded"}, "it was sent as application/x-"),
        ({}, "it had no Content-Type."),
    ],
    ids=["text", "form", "missing"],
)
async def test_a_body_that_is_not_sent_as_json_is_a_415(
    client: httpx.AsyncClient, headers: dict[str, str], said: str
) -> None:
    response = await client.post(
        "/v1/things", content=b'{"amount": "1.00", "currency": "EUR"}', headers=headers
    )

    problem = assert_problem(response, 415, ProblemType.UNSUPPORTED_MEDIA_TYPE)
    assert said in problem["detail"]
    assert problem["errors"] == [
        {"field": "Content-Type", "location": "header", "message": "must be application/json"}
    ]


async def test_json_with_a_charset_or_a_json_suffix_is_json(client: httpx.AsyncClient) -> None:
    body = b'{"amount": "1.00", "currency": "EUR"}'

    charset = await client.post(
        "/v1/things", content=body, headers={"content-type": "application/json; charset=utf-8"}
    )
    suffix = await client.post(
        "/v1/things", content=body, headers={"content-type": "application/merge-patch+json"}
    )

    assert (charset.status_code, suffix.status_code) == (200, 200)


async def test_path_and_query_errors_say_where_they_were(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/things/not-a-uuid", params={"limit": "0"})

    problem = assert_problem(response, 422, ProblemType.VALIDATION)
    located = {(error["field"], error["location"]) for error in problem["errors"]}
    assert located == {("thing_id", "path"), ("limit", "query")}


async def test_unknown_route_and_wrong_method_have_their_own_types(
    client: httpx.AsyncClient,
) -> None:
    missing = await client.get("/v1/nowhere")
    wrong_method = await client.delete("/v1/things")

    assert_problem(missing, 404, ProblemType.NOT_FOUND)
    assert_problem(wrong_method, 405, ProblemType.METHOD_NOT_ALLOWED)
    assert wrong_method.headers["allow"] == "POST"


async def test_a_database_that_gives_up_is_a_503_with_retry_after(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/v1/things/reports/slow")

    problem = assert_problem(response, 503, ProblemType.SERVICE_UNAVAILABLE)
    assert response.headers["retry-after"] == "1"
    assert "pg_sleep" not in problem["detail"]  # internals stay in the log


async def test_a_statement_run_by_the_driver_that_times_out_is_a_503_too(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/v1/things/reports/slow-by-driver")

    problem = assert_problem(response, 503, ProblemType.SERVICE_UNAVAILABLE)
    assert response.headers["retry-after"] == "1"
    assert "pg_sleep" not in problem["detail"]


async def test_a_database_that_is_away_is_a_503_too() -> None:
    # Nothing listens on port 1: the connection is refused, as when PostgreSQL is down. Even the
    # key cannot be checked, and that too is a 503, not a 401 or a 500.
    headers = {"Authorization": "Bearer rk_probe_secret"}
    settings = ProbeSettings(database_url="postgresql+asyncpg://postgres@127.0.0.1:1/x", role="api")
    app = create_app(PROBE, settings)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://probe", headers=headers
    ) as client:
        response = await client.get("/v1/things/reports/slow")
    await app.state.engine.dispose()

    assert_problem(response, 503, ProblemType.SERVICE_UNAVAILABLE)
    assert response.headers["retry-after"] == "1"


async def test_an_unexpected_error_is_a_500_of_type_internal(
    platform_engine: AsyncEngine, sessionmaker: SessionMaker
) -> None:
    async with sessionmaker() as session, session.begin():
        headers = await api_key_headers(session)
    # The probe of test_app.py has /v1/boom; this one relies on a missing table instead.
    settings = ProbeSettings(
        database_url=platform_engine.url.render_as_string(hide_password=False),
        kafka_bootstrap_servers="127.0.0.1:1",
        role="api",
    )
    failing = APIRouter()

    @failing.get("/broken")
    async def broken(session: SessionDep) -> None:
        await session.execute(text("SELECT * FROM no_such_table"))

    app = create_app(
        ServiceDefinition(
            name="probe",
            title="Probe",
            settings_class=ProbeSettings,
            metadata=make_metadata(),
            migrations="unused:migrations",
            routers=[failing],
        ),
        settings,
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://probe", headers=headers
    ) as client:
        response = await client.get("/v1/broken")
    await app.state.engine.dispose()

    problem = assert_problem(response, 500, ProblemType.INTERNAL)
    assert "no_such_table" not in problem["detail"]


async def test_problem_response_by_hand_gets_the_type_of_its_status_and_the_401_challenge(
    client: httpx.AsyncClient,
) -> None:
    unauthorized = await client.post("/v1/things/answered-by-hand/401")
    too_large = await client.post("/v1/things/answered-by-hand/413")
    teapot = await client.post("/v1/things/answered-by-hand/418")

    assert_problem(unauthorized, 401, ProblemType.UNAUTHORIZED)
    assert unauthorized.headers["www-authenticate"] == 'Bearer realm="receivables"'
    assert_problem(too_large, 413, ProblemType.PAYLOAD_TOO_LARGE)
    assert teapot.json()["type"] == "about:blank"
