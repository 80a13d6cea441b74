"""Asking another service for a fact it owns, over its public API with this service's own key.

Used where a request cannot wait for the owner's event (read-your-writes, docs/api.md). Only
the owner's 404 means "does not exist"; anything else that is not a 200 (refused connection,
timeout, 5xx, a key it rejects) means "could not ask": a 503 problem, so the client retries
instead of being told something false.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx

from receivables_shared.http.problems import RETRY_AFTER_HEADERS, ProblemError
from receivables_shared.logging import correlation_id

log = logging.getLogger(__name__)


class PeerUnavailable(ProblemError):
    def __init__(self, peer: str, detail: str) -> None:
        super().__init__(
            503,
            f"{peer} could not be asked: {detail}. Nothing was changed; try again.",
            headers=RETRY_AFTER_HEADERS,
        )


@dataclass(frozen=True)
class Peer:
    """Another service of the platform: where it answers and the key it knows us by."""

    name: str
    base_url: str
    api_key: str
    timeout_seconds: float = 2.0

    async def get_json(self, path: str) -> dict[str, Any] | None:
        """The JSON object at `path`, or None when the peer answers 404."""
        headers = {"Authorization": f"Bearer {self.api_key}"}
        if request_id := correlation_id.get():
            headers["X-Request-ID"] = request_id  # one business action, followed across services
        try:
            # A client per call: this is the rare path (a fact not yet learnt from an event).
            async with httpx.AsyncClient(
                base_url=self.base_url, timeout=self.timeout_seconds
            ) as client:
                response = await client.get(path, headers=headers)
        except httpx.HTTPError as error:
            log.warning("%s unreachable for GET %s: %r", self.name, path, error)
            raise PeerUnavailable(self.name, type(error).__name__) from error
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            log.error("%s answered %s to GET %s", self.name, response.status_code, path)
            raise PeerUnavailable(self.name, f"it answered {response.status_code}")
        try:
            body = response.json()
        except ValueError as error:
            raise PeerUnavailable(self.name, "its answer was not JSON") from error
        if not isinstance(body, dict):
            raise PeerUnavailable(self.name, "its answer was not a JSON object")
        return body
