"""Events in flight between the services, and re-publishing what a fresh broker never saw.

The embedded broker keeps topics in memory. Two things make it lossless anyway:

* **stop**: after the APIs are stopped, the launcher waits until the backlog is empty: no outbox
  holds an unpublished row, and every consumer group's inbox holds every event it handles that
  was published since the stack started. "Caught up" is measured in the databases, not with the
  broker's offsets (Tansu's ListOffsets(latest) is not reliable).
* **start**: a new in-memory broker is empty, so the rows published within the outbox retention
  are marked unpublished again before the services start. The relays publish them anew and the
  consumers' inboxes drop the ones they had already applied. An event that was published but not
  consumed when the stack died (killed, or a stop that gave up waiting) is thus applied once.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from receivables_shared.db.engine import create_engine
from receivables_shared.outbox.models import ready_to_publish
from receivables_shared.services_registry import SERVICES

_REPUBLISH = text(
    "UPDATE outbox_events SET published_at = NULL"
    " WHERE published_at IS NOT NULL AND published_at >= :cutoff"
)
# Rows the relay will still publish: parked rows, and the rows held behind them (same key),
# wait for an operator, so waiting for them would only run out the drain timeout.
_UNPUBLISHED = text(f"SELECT count(*) FROM outbox_events o WHERE {ready_to_publish('o')}")
_PUBLISHED_SINCE = text(
    "SELECT event_id FROM outbox_events"
    " WHERE published_at >= :since AND event_type = ANY(CAST(:types AS varchar[]))"
)
_APPLIED = text(
    "SELECT count(*) FROM inbox_events"
    " WHERE consumer_group = :group AND event_id = ANY(CAST(:ids AS uuid[]))"
)


async def republish_since(database_url: str, cutoff: datetime) -> int:
    """Mark the outbox rows published at or after `cutoff` as unpublished; returns how many."""
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.begin() as connection:
            result = await connection.execute(_REPUBLISH, {"cutoff": cutoff})
            return result.rowcount
    finally:
        await engine.dispose()


@dataclass
class Backlog:
    #: service name -> outbox rows not yet published
    unpublished: dict[str, int] = field(default_factory=dict)
    #: consumer group -> events it handles, published since the start, not in its inbox
    unapplied: dict[str, int] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not any(self.unpublished.values()) and not any(self.unapplied.values())

    def describe(self) -> str:
        parts = [f"{name}: {n} unpublished" for name, n in self.unpublished.items() if n]
        parts += [f"{group}: {n} not yet applied" for group, n in self.unapplied.items() if n]
        return ", ".join(parts) or "nothing in flight"


class BacklogProbe:
    """Measures the backlog of the whole platform; one small pool per service database."""

    def __init__(self, database_urls: Mapping[str, str]) -> None:
        self._engines: dict[str, AsyncEngine] = {
            name: create_engine(url, pool_size=1) for name, url in database_urls.items()
        }

    async def close(self) -> None:
        for engine in self._engines.values():
            await engine.dispose()

    async def measure(self, since: datetime) -> Backlog:
        backlog = Backlog()
        for name, engine in self._engines.items():
            async with engine.connect() as connection:
                backlog.unpublished[name] = (await connection.scalar(_UNPUBLISHED)) or 0
        for entry in SERVICES:
            definition = entry.definition()
            if not definition.handlers or entry.name not in self._engines:
                continue
            # Only the types the group handles reach its inbox; others it reads and skips.
            types_by_producer: dict[str, list[str]] = defaultdict(list)
            for event in definition.handlers:
                types_by_producer[event.producer].append(event.event_type())
            missing = 0
            for producer, types in types_by_producer.items():
                ids = await self._published_since(producer, types, since)
                if ids:
                    async with self._engines[entry.name].connect() as connection:
                        applied = await connection.scalar(
                            _APPLIED, {"group": definition.consumer_group, "ids": ids}
                        )
                    missing += len(ids) - (applied or 0)
            backlog.unapplied[definition.consumer_group] = missing
        return backlog

    async def _published_since(
        self, producer: str, types: list[str], since: datetime
    ) -> list[uuid.UUID]:
        engine = self._engines.get(producer)
        if engine is None:
            return []
        async with engine.connect() as connection:
            rows = await connection.scalars(_PUBLISHED_SINCE, {"since": since, "types": types})
            return list(rows)
