"""Every service serves an OpenAPI document complete enough to generate a client from."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from openapi_spec_validator import validate

from receivables_shared.http.app import create_app
from receivables_shared.services_registry import SERVICES, ServiceEntry

JsonObject = dict[str, Any]
METHODS = {"get", "put", "post", "delete", "patch"}
SECURITY: list[dict[str, list[str]]] = [{"BearerApiKey": []}, {"ApiKeyHeader": []}]
OPEN_PATHS = {"/health/live", "/health/ready", "/metrics"}
#: Payment webhooks prove their sender by a signature over the body, not by an API key.
WEBHOOK_SECURITY: list[dict[str, list[str]]] = [
    {"StandardWebhookSignature": []},
    {"StripeSignature": []},
    {"HmacBase64Signature": []},
]


async def served_document(entry: ServiceEntry) -> JsonObject:
    """The document as the running app serves it at /openapi.json."""
    definition = entry.definition()
    app = create_app(definition, definition.settings_class(role="api"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/openapi.json")
    await app.state.engine.dispose()
    assert response.status_code == 200
    document: JsonObject = response.json()
    return document


@pytest_asyncio.fixture(params=SERVICES, ids=[entry.package for entry in SERVICES])
async def document(request: pytest.FixtureRequest) -> JsonObject:
    return await served_document(request.param)


def operations(document: JsonObject) -> Iterator[tuple[str, str, JsonObject]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def resolve(document: JsonObject, node: JsonObject) -> JsonObject:
    while "$ref" in node:
        target: JsonObject = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def parameter_names(document: JsonObject, operation: JsonObject) -> dict[str, str]:
    resolved = (resolve(document, p) for p in operation.get("parameters", []))
    return {p["name"]: p["in"] for p in resolved}


def test_every_service_is_covered() -> None:
    assert [entry.package for entry in SERVICES] == [
        "credit_policy",
        "invoicing",
        "collection",
        "notifications",
        "analytics",
    ]


async def test_the_document_is_valid_openapi(document: JsonObject) -> None:
    validate(document)  # raises on any schema violation or dangling $ref


async def test_security_schemes_are_a_bearer_key_and_the_x_api_key_header(
    document: JsonObject,
) -> None:
    schemes = document["components"]["securitySchemes"]

    assert schemes["BearerApiKey"]["type"] == "http"
    assert schemes["BearerApiKey"]["scheme"].lower() == "bearer"
    assert {k: schemes["ApiKeyHeader"][k] for k in ("type", "in", "name")} == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
    }


async def test_every_api_route_declares_its_security_and_health_and_metrics_none(
    document: JsonObject,
) -> None:
    seen = set()
    for path, _, operation in operations(document):
        seen.add(path)
        if path in OPEN_PATHS:
            assert "security" not in operation, path
        elif path.startswith("/v1/webhooks/payments/"):
            assert operation["security"] == WEBHOOK_SECURITY, path
        else:
            assert path.startswith("/v1/"), path
            assert operation["security"] == SECURITY, path
    assert seen >= OPEN_PATHS
    assert seen - OPEN_PATHS, "no API route at all"


async def test_every_route_declares_its_problem_responses(document: JsonObject) -> None:
    for path, method, operation in operations(document):
        where = f"{method.upper()} {path}"
        declared = set(operation["responses"])
        parameters = parameter_names(document, operation)
        expected = set()
        if path not in OPEN_PATHS:
            expected |= {"401", "403", "503"}
        if "path" in parameters.values():
            expected.add("404")
        if "Idempotency-Key" in parameters:
            expected.add("409")
        if set(parameters) - {"X-Request-ID"} or "requestBody" in operation:
            expected.add("422")
        if "requestBody" in operation:
            expected |= {"400", "413", "415"}
        assert expected <= declared, f"{where} lacks {sorted(expected - declared)}"
        for status in declared:
            response = resolve(document, operation["responses"][status])
            assert "X-Request-ID" in response.get("headers", {}), f"{where} {status}"
            if int(status) >= 400:
                assert response["content"] == {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                }, f"{where} {status}"
        if "401" in declared:
            unauthorized = resolve(document, operation["responses"]["401"])
            assert "WWW-Authenticate" in unauthorized["headers"]


async def test_one_problem_schema_and_no_fastapi_validation_error(document: JsonObject) -> None:
    schemas = document["components"]["schemas"]

    assert "HTTPValidationError" not in schemas
    assert "ValidationError" not in schemas
    problem = schemas["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "instance", "errors"}
    field_error = resolve(document, problem["properties"]["errors"]["items"])
    assert field_error["properties"]["location"]["enum"] == [
        "body",
        "query",
        "path",
        "header",
        "cookie",
    ]


async def test_every_operation_takes_a_request_id(document: JsonObject) -> None:
    for path, method, operation in operations(document):
        assert parameter_names(document, operation).get("X-Request-ID") == "header", (
            f"{method} {path}"
        )


async def test_creating_routes_declare_the_idempotency_key_header(document: JsonObject) -> None:
    creating = {
        (path, method): operation
        for path, method, operation in operations(document)
        if path in {"/v1/customers", "/v1/invoices"} and method == "post"
    }
    for operation in creating.values():
        assert parameter_names(document, operation)["Idempotency-Key"] == "header"
        created = operation["responses"]["201"]
        assert "Idempotent-Replayed" in created["headers"]


async def test_money_in_requests_is_documented_as_a_decimal_string(document: JsonObject) -> None:
    for name, schema in document["components"]["schemas"].items():
        for field, spec in schema.get("properties", {}).items():
            if spec.get("format") == "decimal":
                assert spec["type"] == "string", f"{name}.{field}"
            assert "number" not in str(spec.get("anyOf", "")), f"{name}.{field} accepts numbers"


async def test_invoice_line_amounts_are_decimal_strings() -> None:
    [invoicing] = [entry for entry in SERVICES if entry.package == "invoicing"]
    line = (await served_document(invoicing))["components"]["schemas"]["InvoiceLineCreate"]

    for field in ("unit_price", "quantity"):
        assert line["properties"][field]["type"] == "string"
        assert line["properties"][field]["format"] == "decimal"
