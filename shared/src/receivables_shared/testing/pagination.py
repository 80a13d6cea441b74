"""Checks every paged list endpoint passes, so the lists of all services behave the same."""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from receivables_shared.pagination import MAX_LIMIT


async def page_through(
    client: httpx.AsyncClient,
    path: str,
    *,
    limit: int,
    between_pages: Callable[[], Awaitable[None]] | None = None,
) -> list[dict[str, Any]]:
    """Every item of the list at `path`, following `next_cursor`; `between_pages` runs after
    each page but the last (to insert rows while a client is paging)."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(10_000):
        params: dict[str, str | int] = {"limit": limit}
        if cursor is not None:
            params["cursor"] = cursor
        response = await client.get(path, params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        assert set(page) == {"items", "next_cursor"}
        assert len(page["items"]) <= limit
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items
        assert page["items"], "a page with a next cursor must not be empty"
        if between_pages is not None:
            await between_pages()
    raise AssertionError(f"{path}: paging did not end")


def forged_cursor(list_name: str, values: list[Any]) -> str:
    """A cursor as a client could tamper with it (the format is opaque, not secret)."""
    raw = json.dumps([list_name, values]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _only_error(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    errors: list[dict[str, Any]] = response.json()["errors"]
    assert len(errors) == 1, errors
    return errors[0]


async def assert_bad_cursors_are_422_naming_cursor(
    client: httpx.AsyncClient, path: str, *, list_name: str, key_size: int
) -> None:
    """Garbage, another list's cursor, a wrong number or type of key values: all 422."""
    bad = [
        "not-a-cursor!",
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        forged_cursor(list_name, ["x"] * (key_size + 1)),
        forged_cursor(list_name, [{"not": "a key"}] * key_size),
        forged_cursor(f"not-{list_name}", ["2026-03-02"] * key_size),
        "x" * 1001,
    ]
    for cursor in bad:
        error = _only_error(await client.get(path, params={"cursor": cursor}))
        assert (error["field"], error["location"]) == ("cursor", "query"), cursor


async def assert_limit_is_bounded(client: httpx.AsyncClient, path: str) -> None:
    for limit in (0, -1, MAX_LIMIT + 1, "many"):
        error = _only_error(await client.get(path, params={"limit": limit}))
        assert (error["field"], error["location"]) == ("limit", "query"), limit
    largest = await client.get(path, params={"limit": MAX_LIMIT})
    assert largest.status_code == 200, largest.text
