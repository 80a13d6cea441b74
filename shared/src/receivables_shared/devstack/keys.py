"""API keys on the platform a running `make run` started: one key for several services at once.

Each service keeps its own keys in its own database; the launcher's var/stack.json says where
those databases are (the embedded PostgreSQL listens on a unix socket under var/).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from receivables_shared.auth.keys import Scope, issue_api_key, revoke_api_key
from receivables_shared.db.engine import create_engine, create_sessionmaker


async def create_key(
    database_urls: Sequence[str], *, name: str, scopes: list[Scope], secret: str
) -> None:
    """Install the same key in every database given (the key then works on those services)."""
    for url in database_urls:
        engine = create_engine(url, pool_size=1)
        try:
            async with create_sessionmaker(engine)() as session, session.begin():
                await issue_api_key(session, name=name, scopes=scopes, secret=secret)
        finally:
            await engine.dispose()


async def revoke_key(database_urls: Sequence[str], key_or_prefix: str) -> int:
    """Revoke the key in every database given; returns in how many it was active."""
    revoked = 0
    for url in database_urls:
        engine = create_engine(url, pool_size=1)
        try:
            async with create_sessionmaker(engine)() as session, session.begin():
                revoked += await revoke_api_key(session, key_or_prefix, now=datetime.now(UTC))
        finally:
            await engine.dispose()
    return revoked
