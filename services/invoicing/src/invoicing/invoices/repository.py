from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from invoicing.invoices.models import DueDateExtension, Invoice
from receivables_shared.pagination import Keyset, PageRequest

INVOICE_ORDER = Keyset("invoices", Invoice.created_at, Invoice.id)
OPEN_STATES = ("issued", "partially_paid", "overdue", "disputed")


@dataclass(frozen=True)
class DelayRow:
    issuing_system: str
    invoices: int
    average_hours: Decimal
    max_hours: Decimal
    over_12_hours: int


@dataclass(frozen=True)
class InvoiceFilters:
    customer_id: uuid.UUID | None = None
    state: str | None = None
    due_before: date | None = None
    overdue: bool | None = None
    order_reference: str | None = None
    #: Today's business date, for `overdue`.
    today: date | None = None


class InvoiceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, invoice: Invoice) -> Invoice:
        self.session.add(invoice)
        await self.session.flush()
        return invoice

    async def get(self, invoice_id: uuid.UUID, *, for_update: bool = False) -> Invoice | None:
        """The invoice with its lines, read afresh; `for_update` locks its row until the
        transaction ends (the ledger's lock: changes to one invoice are serialised)."""
        statement = (
            select(Invoice)
            .where(Invoice.id == invoice_id)
            .options(selectinload(Invoice.lines))
            .execution_options(populate_existing=True)
        )
        if for_update:
            statement = statement.with_for_update(of=Invoice)
        return await self.session.scalar(statement)

    async def by_reference(self, reference: str) -> Invoice | None:
        """The invoice whose RF reference or number this is (as found in remittance text by
        invoicing.invoices.references.find_references)."""
        return await self.session.scalar(
            select(Invoice).where(
                (Invoice.rf_reference == reference) | (Invoice.number == reference)
            )
        )

    async def page(
        self, filters: InvoiceFilters, page: PageRequest
    ) -> tuple[list[Invoice], str | None]:
        statement: Select[Any] = select(Invoice)
        if filters.customer_id is not None:
            statement = statement.where(Invoice.customer_id == filters.customer_id)
        if filters.state is not None:
            statement = statement.where(Invoice.state == filters.state)
        if filters.due_before is not None:
            statement = statement.where(Invoice.due_date < filters.due_before)
        if filters.order_reference is not None:
            statement = statement.where(Invoice.order_reference == filters.order_reference)
        if filters.overdue is not None and filters.today is not None:
            # Overdue: still owed and past its due date (whether or not the job has marked it).
            is_overdue = (
                (Invoice.open_amount > 0)
                & (Invoice.due_date < filters.today)
                & (Invoice.state.in_(OPEN_STATES))
            )
            statement = statement.where(is_overdue if filters.overdue else ~is_overdue)
        rows = (await self.session.scalars(INVOICE_ORDER.page_query(statement, page))).all()
        return INVOICE_ORDER.page_of(rows, page)

    async def add_extension(self, extension: DueDateExtension) -> None:
        self.session.add(extension)
        await self.session.flush()

    async def issue_delays(
        self, issued_from: datetime, issued_before: datetime
    ) -> tuple[list[DelayRow], int]:
        """Per issuing system: count, average and max hours from completion to issue, and how
        many took more than 12 hours; and how many had no completion time."""
        in_period = (Invoice.issued_at >= issued_from) & (Invoice.issued_at < issued_before)
        hours = func.extract("epoch", Invoice.issued_at - Invoice.completed_at) / 3600
        rows = (
            await self.session.execute(
                select(
                    Invoice.issuing_system,
                    func.count(),
                    func.avg(hours),
                    func.max(hours),
                    func.count(case((hours > 12, 1))),
                )
                .where(in_period, Invoice.completed_at.is_not(None), Invoice.imported.is_(False))
                .group_by(Invoice.issuing_system)
                .order_by(Invoice.issuing_system)
            )
        ).all()
        unmeasured = await self.session.scalar(
            select(func.count())
            .select_from(Invoice)
            .where(in_period, Invoice.completed_at.is_(None), Invoice.imported.is_(False))
        )
        delays = [
            DelayRow(system, count, Decimal(average), Decimal(maximum), over)
            for system, count, average, maximum, over in rows
        ]
        return delays, unmeasured or 0
