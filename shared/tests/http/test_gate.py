"""The key is checked before the body is read; bodies are bounded, whether announced or chunked."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI

from receivables_shared.auth.models import ApiKey
from receivables_shared.http.authentication import ApiKeyFinder
from receivables_shared.http.limits import DEFAULT_MAX_BODY_BYTES
from receivables_shared.http.problems import BEARER_CHALLENGE, INVALID_KEY_CHALLENGE
from shared.tests.http.conftest import UPLOAD_LIMIT

CHUNK = 64 * 1024


class StreamedBody:
    """A request body produced chunk by chunk, remembering how much the server pulled."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.chunks_read = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        sent = 0
        while sent < self.total:
            self.chunks_read += 1
            chunk = b" " * min(CHUNK, self.total - sent)
            sent += len(chunk)
            yield chunk

    @property
    def bytes_read(self) -> int:
        return min(self.chunks_read * CHUNK, self.total)


def assert_problem(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == status


async def test_an_unauthenticated_large_body_is_refused_without_reading_it(
    anonymous: httpx.AsyncClient,
) -> None:
    body = StreamedBody(12 * 1024 * 1024)

    response = await anonymous.post(
        "/v1/notes", content=body, headers={"content-length": str(body.total)}
    )

    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == BEARER_CHALLENGE
    assert body.chunks_read == 0


async def test_an_unknown_key_with_a_chunked_body_is_refused_without_reading_it(
    anonymous: httpx.AsyncClient,
) -> None:
    body = StreamedBody(12 * 1024 * 1024)

    response = await anonymous.post(
        "/v1/notes", content=body, headers={"Authorization": "Bearer rk_nope_nope"}
    )

    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == INVALID_KEY_CHALLENGE
    assert "unknown or revoked" in response.json()["detail"]
    assert body.chunks_read == 0


async def test_unknown_paths_need_a_key_too(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get("/nowhere")

    assert_problem(response, 401)


async def test_public_paths_need_no_key(anonymous: httpx.AsyncClient) -> None:
    for path in ("/health/live", "/metrics", "/openapi.json", "/docs", "/redoc"):
        response = await anonymous.get(path)

        assert response.status_code == 200, path


async def test_the_key_is_looked_up_once_and_handed_to_the_dependency(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    finder: ApiKeyFinder = app.state.api_key_finder
    lookups: list[str] = []

    async def counting(secret: str) -> ApiKey | None:
        lookups.append(secret)
        return await finder(secret)

    app.state.api_key_finder = counting

    response = await client.get("/v1/items/7")

    assert response.json() == {"item_id": 7, "key": "probe-client", "from_gate": True}
    assert len(lookups) == 1


async def test_an_announced_body_over_the_limit_is_413_before_it_is_read(
    client: httpx.AsyncClient,
) -> None:
    body = StreamedBody(DEFAULT_MAX_BODY_BYTES + 1)

    response = await client.post(
        "/v1/notes", content=body, headers={"content-length": str(body.total)}
    )

    assert_problem(response, 413)
    assert body.chunks_read == 0


async def test_a_chunked_body_over_the_limit_is_413_after_at_most_the_limit(
    client: httpx.AsyncClient,
) -> None:
    body = StreamedBody(4 * DEFAULT_MAX_BODY_BYTES)

    response = await client.post("/v1/notes", content=body)  # no Content-Length: chunked

    assert_problem(response, 413)
    assert DEFAULT_MAX_BODY_BYTES < body.bytes_read <= DEFAULT_MAX_BODY_BYTES + CHUNK


async def test_a_route_can_accept_more_than_the_default(client: httpx.AsyncClient) -> None:
    within = await client.post("/v1/uploads", content=StreamedBody(UPLOAD_LIMIT))
    beyond = StreamedBody(2 * UPLOAD_LIMIT)
    refused = await client.post("/v1/uploads", content=beyond)

    assert within.json() == {"received": UPLOAD_LIMIT}
    assert_problem(refused, 413)
    assert beyond.bytes_read <= UPLOAD_LIMIT + CHUNK


async def test_a_body_within_the_limit_is_served(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/notes", json={"text": "x" * 1000})

    assert response.json() == {"length": 1000}
