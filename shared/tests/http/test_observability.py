"""Metrics name requests by route template and known method; one access log line per request."""

from __future__ import annotations

import logging
import uuid

import httpx
import pytest

from receivables_shared.metrics import HTTP_REQUESTS, KNOWN_METHODS, OTHER_METHOD


def probe_series() -> set[tuple[str, str, str]]:
    """(method, route, status) of every http_requests_total series of the probe service."""
    return {
        (sample.labels["method"], sample.labels["route"], sample.labels["status"])
        for metric in HTTP_REQUESTS.collect()
        for sample in metric.samples
        if sample.name == "http_requests_total" and sample.labels["service"] == "probe"
    }


async def test_invented_methods_share_one_series(client: httpx.AsyncClient) -> None:
    await client.request("BREW", "/v1/items/1")
    before = probe_series()

    for method in ("PROPFIND", "XYZZY", "M-SEARCH", "brew"):
        response = await client.request(method, "/v1/items/1")
        assert response.status_code == 405

    assert probe_series() == before
    assert ("other", "/v1/items/{item_id}", "405") in before
    assert {method for method, _, _ in before} <= KNOWN_METHODS | {OTHER_METHOD}


async def test_routes_are_named_by_their_full_template(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    await client.get("/v1/items/7")
    await client.get("/v1/items/8")
    await anonymous.get("/v1/items/9")
    await client.get("/v1/no/such/thing")
    await client.get("/openapi.json")

    series = probe_series()

    assert ("GET", "/v1/items/{item_id}", "200") in series
    assert ("GET", "/v1/items/{item_id}", "401") in series  # refused before routing, still named
    assert ("GET", "unmatched", "404") in series
    assert ("GET", "/openapi.json", "200") in series
    assert not [
        route for _, route, _ in series if route.startswith("/v1/items/") and "{" not in route
    ]


async def test_each_request_writes_one_access_line_without_the_key(
    client: httpx.AsyncClient, secret: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="receivables.access")

    response = await client.get("/v1/items/7", headers={"X-Request-ID": "order-42"})

    lines = [record for record in caplog.records if record.name == "receivables.access"]
    assert len(lines) == 1
    line = lines[0].__dict__
    assert response.headers["x-request-id"] == "order-42"
    assert (line["request_id"], line["http_method"], line["route"], line["status"]) == (
        "order-42",
        "GET",
        "/v1/items/{item_id}",
        200,
    )
    assert line["api_key_name"] == "probe-client"
    assert line["duration_ms"] >= 0
    assert lines[0].getMessage().startswith("GET /v1/items/{item_id} 200 ")
    assert secret not in repr(line)


async def test_a_request_id_cut_at_a_space_is_echoed_without_it(client: httpx.AsyncClient) -> None:
    # 199 characters, then a space at the cut: echoing it would be an illegal header value.
    response = await client.get("/v1/items/7", headers={"X-Request-ID": "a" * 199 + " tail"})

    assert response.headers["x-request-id"] == "a" * 199


async def test_a_refused_request_is_logged_too(
    anonymous: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="receivables.access")

    await anonymous.post("/v1/notes", json={"text": "hi"}, headers={"X-Request-ID": "anon-1"})

    (line,) = [r.__dict__ for r in caplog.records if r.name == "receivables.access"]
    assert (line["request_id"], line["route"], line["status"]) == ("anon-1", "/v1/notes", 401)
    assert line["api_key_name"] is None


@pytest.mark.parametrize(
    "incoming",
    [b"id\twith-tab", b"caf\xc3\xa9", b" "],
    ids=["control-character", "non-ascii", "blank"],
)
async def test_a_request_id_that_cannot_be_echoed_is_replaced(
    client: httpx.AsyncClient, incoming: bytes
) -> None:
    response = await client.get("/health/live", headers=[(b"X-Request-ID", incoming)])

    echoed = response.headers["x-request-id"]
    assert echoed.encode() != incoming
    assert uuid.UUID(echoed)


async def test_a_request_id_cut_before_a_space_loses_the_space(client: httpx.AsyncClient) -> None:
    incoming = "x" * 199 + " tail"

    response = await client.get("/health/live", headers={"X-Request-ID": incoming})

    assert response.headers["x-request-id"] == "x" * 199
