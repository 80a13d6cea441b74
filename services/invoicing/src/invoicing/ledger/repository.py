from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.invoices.models import Invoice
from invoicing.ledger.models import InvoiceMovement


class LedgerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock_invoice(self, invoice: Invoice) -> None:
        """SELECT ... FOR UPDATE the invoice's row and load what it holds into `invoice`."""
        await self.session.flush()  # a new invoice must exist before it can be locked
        await self.session.execute(
            select(Invoice)
            .where(Invoice.id == invoice.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )

    async def movement_exists(self, invoice_id: uuid.UUID, kind: str, source_id: uuid.UUID) -> bool:
        found = await self.session.scalar(
            select(
                exists().where(
                    InvoiceMovement.invoice_id == invoice_id,
                    InvoiceMovement.kind == kind,
                    InvoiceMovement.source_id == source_id,
                )
            )
        )
        return bool(found)

    async def add(self, movement: InvoiceMovement) -> InvoiceMovement:
        self.session.add(movement)
        await self.session.flush()
        return movement

    async def movements_of(self, invoice_id: uuid.UUID) -> Sequence[InvoiceMovement]:
        return (
            await self.session.scalars(
                select(InvoiceMovement)
                .where(InvoiceMovement.invoice_id == invoice_id)
                .order_by(InvoiceMovement.business_date, InvoiceMovement.sequence)
            )
        ).all()
