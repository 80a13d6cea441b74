from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.credit_notes.models import CreditNote


class CreditNoteRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, credit_note: CreditNote) -> CreditNote:
        self.session.add(credit_note)
        await self.session.flush()
        return credit_note

    async def of_invoice(self, invoice_id: uuid.UUID) -> Sequence[CreditNote]:
        return (
            await self.session.scalars(
                select(CreditNote)
                .where(CreditNote.invoice_id == invoice_id)
                .order_by(CreditNote.created_at, CreditNote.number)
            )
        ).all()
