from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import exists, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.disputes.models import InvoiceDispute
from receivables_shared.events import DisputeOpened


class DisputeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def open(self, event: DisputeOpened) -> bool:
        """Store the dispute; False when it was stored already (a redelivered event)."""
        inserted = await self.session.scalar(
            insert(InvoiceDispute)
            .values(
                id=event.dispute_id,
                invoice_id=event.invoice_id,
                amount=event.amount,
                reason=event.reason[:100],
                opened_on=event.opened_on,
            )
            .on_conflict_do_nothing(index_elements=[InvoiceDispute.id])
            .returning(InvoiceDispute.id)
        )
        return inserted is not None

    async def resolve(self, dispute_id: uuid.UUID, resolution: str, resolved_on: date) -> bool:
        """Mark it resolved; False when unknown or resolved already."""
        resolved = await self.session.scalar(
            update(InvoiceDispute)
            .where(InvoiceDispute.id == dispute_id, InvoiceDispute.resolved_on.is_(None))
            .values(resolution=resolution[:20], resolved_on=resolved_on)
            .returning(InvoiceDispute.id)
        )
        return resolved is not None

    async def invoice_of(self, dispute_id: uuid.UUID) -> uuid.UUID | None:
        return await self.session.scalar(
            select(InvoiceDispute.invoice_id).where(InvoiceDispute.id == dispute_id)
        )

    async def any_open(self, invoice_id: uuid.UUID) -> bool:
        found = await self.session.scalar(
            select(
                exists().where(
                    InvoiceDispute.invoice_id == invoice_id, InvoiceDispute.resolved_on.is_(None)
                )
            )
        )
        return bool(found)
