"""Creating and checking API keys. A key is shown once; only its SHA-256 is stored.

Keys are 32 random bytes, so a plain SHA-256 is enough (no password stretching needed); the
public prefix finds the row without scanning hashes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from receivables_shared.auth.models import ApiKey

KEY_MARK = "rk"


class Scope(StrEnum):
    READ = "read"
    WRITE = "write"
    #: Credit decisions: limits, terms, classes, accepted assessments. An order system's key
    #: checks credit with `write` but can never raise a limit.
    APPROVE = "approve"
    ADMIN = "admin"  # satisfies every scope


@dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    secret: str  # the full key, shown to the caller once


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_scopes(text: str) -> list[Scope]:
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise ValueError("at least one scope is needed (read, write, approve, admin)")
    return [Scope(name) for name in names]


def new_secret(prefix: str | None = None) -> str:
    """A new key, `rk_<prefix>_<secret>`: the prefix finds the row, only the hash is stored."""
    return f"{KEY_MARK}_{prefix or secrets.token_hex(4)}_{secrets.token_urlsafe(32)}"


async def issue_api_key(
    session: AsyncSession, *, name: str, scopes: list[Scope], secret: str | None = None
) -> IssuedKey:
    """Create a key. `secret` lets the dev launcher install a known key; None otherwise."""
    full = secret or new_secret()
    key = ApiKey(
        name=name, prefix=_prefix_of(full), secret_hash=_hash(full), scopes=[str(s) for s in scopes]
    )
    session.add(key)
    await session.flush()
    return IssuedKey(key=key, secret=full)


def _prefix_of(secret: str) -> str:
    parts = secret.split("_")
    if len(parts) >= 3 and parts[0] == KEY_MARK:
        return parts[1]
    return _hash(secret)[:8]


async def find_api_key(session: AsyncSession, secret: str) -> ApiKey | None:
    key = await session.scalar(
        select(ApiKey).where(ApiKey.prefix == _prefix_of(secret), ApiKey.revoked_at.is_(None))
    )
    if key is None or not hmac.compare_digest(key.secret_hash, _hash(secret)):
        return None
    return key


def grants(key: ApiKey, scope: Scope) -> bool:
    return Scope.ADMIN in key.scopes or scope in key.scopes


def public_prefix(key_or_prefix: str) -> str:
    """The lookup prefix of a full key (`rk_<prefix>_<secret>`), its public part
    (`rk_<prefix>`) or the prefix itself."""
    parts = key_or_prefix.split("_")
    if len(parts) >= 2 and parts[0] == KEY_MARK:
        return parts[1]
    return key_or_prefix


async def revoke_api_key(session: AsyncSession, key_or_prefix: str, *, now: datetime) -> bool:
    """Revoke an active key named by `public_prefix`; False if none matches. The row stays, so
    the key's use can still be traced afterwards."""
    key = await session.scalar(
        select(ApiKey).where(
            ApiKey.prefix == public_prefix(key_or_prefix), ApiKey.revoked_at.is_(None)
        )
    )
    if key is None:
        return False
    key.revoked_at = now
    await session.flush()
    return True
