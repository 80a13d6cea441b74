"""The app factory every service shares: health, metrics, problems, request ids, JSON logs."""

from __future__ import annotations

import json
import logging

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from receivables_shared.logging import JsonFormatter, correlation_id
from shared.tests.http.conftest import client_for


async def test_liveness_needs_no_credential(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get("/health/live")

    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_ready_checks_the_database_and_the_broker(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get("/health/ready")

    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}


async def test_not_ready_when_the_broker_is_away(platform_engine: AsyncEngine) -> None:
    async with await client_for(platform_engine, "127.0.0.1:1") as client:
        response = await client.get("/health/ready")

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert "broker" in response.json()["detail"]


async def test_metrics_are_exposed_for_prometheus(client: httpx.AsyncClient) -> None:
    await client.get("/health/live")

    response = await client.get("/metrics")

    assert response.status_code == 200
    assert 'http_requests_total{method="GET",route="/health/live",service="probe"' in response.text


async def test_unknown_route_and_unexpected_error_are_problems(client: httpx.AsyncClient) -> None:
    missing = await client.get("/nowhere")
    crashed = await client.get("/v1/boom")

    assert (missing.status_code, crashed.status_code) == (404, 500)
    for response in (missing, crashed):
        assert response.headers["content-type"] == "application/problem+json"
    assert "kaput" not in crashed.text  # internals stay in the log


async def test_request_id_is_echoed_or_made(client: httpx.AsyncClient) -> None:
    given = await client.get("/health/live", headers={"X-Request-ID": "order-42"})
    made = await client.get("/health/live")

    assert given.headers["x-request-id"] == "order-42"
    assert len(made.headers["x-request-id"]) == 36


def test_log_lines_are_json_with_the_correlation_id() -> None:
    record = logging.LogRecord("svc", logging.INFO, __file__, 1, "paid %s", ("INV-1",), None)
    record.invoice = "INV-1"
    token = correlation_id.set("order-42")
    try:
        line = json.loads(JsonFormatter("invoicing").format(record))
    finally:
        correlation_id.reset(token)

    assert line["message"] == "paid INV-1"
    assert line["correlation_id"] == "order-42"
    assert (line["service"], line["invoice"], line["level"]) == ("invoicing", "INV-1", "INFO")
