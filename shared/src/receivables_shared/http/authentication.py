"""Who is calling, decided from the request headers alone, before anything reads the body.

The request middleware authenticates every non-public path with this and hands the key to the
`ApiKeyDep` dependency through the request state, so a key is looked up once per request.
A key found is remembered in the process for `API_KEY_CACHE_SECONDS` (a revoked key keeps
working that long at most); unknown and revoked keys are never remembered.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Awaitable, Callable

from starlette.datastructures import Headers

from receivables_shared.auth.keys import find_api_key
from receivables_shared.auth.models import ApiKey
from receivables_shared.db.engine import SessionMaker

#: Paths anyone may call: probes, scrapes and the API description.
PUBLIC_PATHS = frozenset({"/metrics", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"})
#: Payment webhooks carry no API key: the sender signs the body instead (invoicing/webhooks).
WEBHOOK_PREFIX = "/v1/webhooks/payments/"
PUBLIC_PREFIXES = ("/health/", WEBHOOK_PREFIX)

#: Where the middleware leaves the authenticated key: `request.state.api_key`.
STATE_KEY = "api_key"

MISSING_KEY = "An API key is required: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'."
UNKNOWN_KEY = "The API key is unknown or revoked."

#: Finds the active key for a presented secret; None when unknown or revoked.
ApiKeyFinder = Callable[[str], Awaitable[ApiKey | None]]


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def presented_key(headers: Headers) -> str | None:
    """The secret from `Authorization: Bearer <key>`, else from `X-API-Key`."""
    scheme, _, credential = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credential.strip():
        return credential.strip()
    return headers.get("x-api-key") or None


#: More distinct keys than this in one TTL (not a real deployment) and the cache starts over.
MAX_CACHED_KEYS = 1024


def api_key_finder(
    sessionmaker: SessionMaker,
    *,
    cache_seconds: float = 0,
    monotonic: Callable[[], float] = time.monotonic,
) -> ApiKeyFinder:
    """Looks the key up in a short session of its own, closed before the endpoint runs.

    With `cache_seconds` > 0 a found key is served from memory until it is that old: the lookup
    (a pool checkout, BEGIN, a query) was a quarter of a credit check's serving time.
    """

    async def lookup(secret: str) -> ApiKey | None:
        async with sessionmaker() as session:
            return await find_api_key(session, secret)

    if cache_seconds <= 0:
        return lookup
    # Keyed by the secret's digest: the cache holds no usable secret.
    found: dict[bytes, tuple[float, ApiKey]] = {}

    async def cached(secret: str) -> ApiKey | None:
        digest = hashlib.sha256(secret.encode()).digest()
        now = monotonic()
        hit = found.get(digest)
        if hit is not None and now - hit[0] < cache_seconds:
            return hit[1]
        key = await lookup(secret)
        if key is None:
            found.pop(digest, None)
            return None
        if len(found) >= MAX_CACHED_KEYS:
            found.clear()
        found[digest] = (now, key)
        return key

    return cached
