from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, Table, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.webhooks.models import DUE_STATES, WebhookDelivery
from invoicing.webhooks.schemas import DeliveryFilters
from receivables_shared.pagination import Keyset, PageRequest

DELIVERY_ORDER = Keyset("webhook-deliveries", WebhookDelivery.received_at, WebhookDelivery.id)

_TABLE = cast(Table, WebhookDelivery.__table__)
#: Built once, values bound per call: the hot path of every acknowledgement compiles nothing.
_INSERT_IF_ABSENT = (
    insert(_TABLE)
    .on_conflict_do_nothing(index_elements=["source", "event_id"])
    .returning(_TABLE.c.id)
)


def _filtered(statement: Select[Any], filters: DeliveryFilters) -> Select[Any]:
    if filters.state is not None:
        statement = statement.where(WebhookDelivery.state == filters.state)
    if filters.source is not None:
        statement = statement.where(WebhookDelivery.source == filters.source)
    return statement


class DeliveryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_if_absent(self, values: dict[str, Any]) -> uuid.UUID | None:
        """Insert the delivery unless (source, event_id) is stored; its id, or None if it was.

        ON CONFLICT, not a look first: a sender's two concurrent retries store one row."""
        inserted: uuid.UUID | None = (
            await self.session.execute(_INSERT_IF_ABSENT, values)
        ).scalar()
        return inserted

    async def get_by_event(self, source: str, event_id: str) -> WebhookDelivery | None:
        return await self.session.scalar(
            select(WebhookDelivery).where(
                WebhookDelivery.source == source, WebhookDelivery.event_id == event_id
            )
        )

    async def get(
        self, delivery_id: uuid.UUID, *, for_update: bool = False
    ) -> WebhookDelivery | None:
        statement = select(WebhookDelivery).where(WebhookDelivery.id == delivery_id)
        if for_update:
            statement = statement.with_for_update()
        return await self.session.scalar(statement)

    async def page(
        self, page: PageRequest, filters: DeliveryFilters
    ) -> tuple[list[WebhookDelivery], str | None]:
        statement = DELIVERY_ORDER.page_query(_filtered(select(WebhookDelivery), filters), page)
        rows = await self.session.scalars(statement)
        return DELIVERY_ORDER.page_of(rows.all(), page)

    async def claim_due(self, now: datetime, limit: int) -> Sequence[WebhookDelivery]:
        """Deliveries due by `now`, locked for this transaction; other workers skip them."""
        statement = (
            select(WebhookDelivery)
            # The literal predicate of the partial index, so the planner can use it.
            .where(text(DUE_STATES), WebhookDelivery.next_attempt_at <= now)
            .order_by(WebhookDelivery.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return (await self.session.scalars(statement)).all()
