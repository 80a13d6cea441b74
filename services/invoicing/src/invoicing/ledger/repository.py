from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.invoices.models import Invoice
from invoicing.ledger.models import InvoiceMovement, MovementKind


class LedgerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock_invoice_and_find(
        self, invoice: Invoice, kind: str, source_id: uuid.UUID
    ) -> bool:
        """SELECT ... FOR UPDATE the invoice's row, load what it holds into `invoice`, and say
        whether the (invoice, kind, source) movement is already posted: one round trip.

        The EXISTS reads the statement's snapshot: a duplicate committed by the transaction
        this lock waited for is not seen here, and the unique (invoice, kind, source)
        constraint refuses it at the insert instead."""
        await self.session.flush()  # a new invoice must exist before it can be locked
        posted = (
            exists()
            .where(
                InvoiceMovement.invoice_id == invoice.id,
                InvoiceMovement.kind == kind,
                InvoiceMovement.source_id == source_id,
            )
            .label("posted")
        )
        row = (
            await self.session.execute(
                select(Invoice, posted)
                .where(Invoice.id == invoice.id)
                .with_for_update(of=Invoice)
                .execution_options(populate_existing=True)
            )
        ).one()
        return bool(row.posted)

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

    async def charges_of(self, invoice_id: uuid.UUID) -> Decimal:
        """Late interest and fees posted to the invoice: receivable, but never taxed."""
        total = await self.session.scalar(
            select(func.coalesce(func.sum(InvoiceMovement.amount), 0)).where(
                InvoiceMovement.invoice_id == invoice_id,
                InvoiceMovement.kind.in_((MovementKind.INTEREST, MovementKind.LATE_FEE)),
            )
        )
        return Decimal(total or 0)
