from __future__ import annotations

import uuid
from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from invoicing.invoices.models import Invoice, InvoiceCounter


class InvoiceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def next_number(self, year: int) -> int:
        """Take the next number of `year`; the row lock serialises concurrent issuers."""
        counter = cast(Table, InvoiceCounter.__table__)
        statement = (
            insert(counter)
            .values(year=year, last_number=1)
            .on_conflict_do_update(
                index_elements=[counter.c.year], set_={"last_number": counter.c.last_number + 1}
            )
            .returning(counter.c.last_number)
        )
        number: int = (await self.session.execute(statement)).scalar_one()
        return number

    async def add(self, invoice: Invoice) -> Invoice:
        self.session.add(invoice)
        await self.session.flush()
        return invoice

    async def get(self, invoice_id: uuid.UUID) -> Invoice | None:
        return await self.session.scalar(
            select(Invoice).where(Invoice.id == invoice_id).options(selectinload(Invoice.lines))
        )
