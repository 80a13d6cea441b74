"""The audit history of a customer's credit standing: every change, who, when, why."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.history.models import CreditHistoryEntry
from credit_policy.history.repository import HistoryRepository
from receivables_shared.clock import Clock
from receivables_shared.pagination import PageRequest


def as_json(value: Any) -> Any:
    """Before/after values as JSON: decimals and dates as strings, sets as sorted lists."""
    if isinstance(value, Decimal | date | uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(key): as_json(item) for key, item in value.items()}
    if isinstance(value, frozenset | set):
        return sorted(as_json(item) for item in value)
    if isinstance(value, list | tuple):
        return [as_json(item) for item in value]
    return value


def record_change(
    session: AsyncSession,
    clock: Clock,
    customer_id: uuid.UUID,
    *,
    change: str,
    before: Any,
    after: Any,
    reason: str,
    actor: str,
    source: str,
    term: str | None = None,
) -> CreditHistoryEntry:
    """Stage one history entry in the caller's transaction (flushed with it)."""
    entry = CreditHistoryEntry(
        customer_id=customer_id,
        recorded_at=clock.now(),
        actor=actor,
        source=source,
        change=change,
        term=term,
        before=as_json(before),
        after=as_json(after),
        reason=reason,
    )
    session.add(entry)
    return entry


async def customer_history(
    session: AsyncSession, customer_id: uuid.UUID, page: PageRequest
) -> tuple[list[CreditHistoryEntry], str | None]:
    return await HistoryRepository(session).page(customer_id, page)
