"""All SQL of the exposure projection."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import case, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.credit_checks.models import CreditReservation, ReservationStatus
from credit_policy.exposure.models import CustomerExposure, ExposureInvoice
from receivables_shared.db.open_amount_projection import applied_after, supersedes_clause


class ExposureRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def set_open_amount(
        self,
        *,
        invoice_id: uuid.UUID,
        customer_id: uuid.UUID,
        currency: str,
        open_amount: Decimal,
        as_of: datetime,
        sequence: int | None,
        first: bool = False,
        due_date: date | None = None,
        order_reference: str | None = None,
        overdue_on: date | None = None,
    ) -> None:
        """Set (never add) the invoice's open amount, unless a later movement already did:
        the shared rule of every copy of an open amount (`supersedes_clause` on `sequence`).

        `first`: the figure only starts a row (InvoiceIssued, the first movement; InvoiceOverdue,
        not a movement) and never replaces a kept one. Due date, order reference and overdue
        date fill in whenever known, so an InvoiceIssued that arrives after a payment still
        gives the row its due date."""
        table = ExposureInvoice.__table__
        statement = insert(ExposureInvoice).values(
            invoice_id=invoice_id,
            customer_id=customer_id,
            currency=currency,
            open_amount=open_amount,
            amount_as_of=as_of,
            open_amount_sequence=sequence,
            due_date=due_date,
            due_date_as_of=as_of if due_date is not None else None,
            order_reference=order_reference,
            overdue_on=overdue_on,
        )
        kept = table.c.open_amount_sequence
        newer = literal(False) if first else supersedes_clause(kept, sequence)
        due_date_newer = func.coalesce(table.c.due_date_as_of < literal(as_of), True)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[ExposureInvoice.invoice_id],
                set_={
                    "open_amount": case(
                        (newer, statement.excluded.open_amount), else_=table.c.open_amount
                    ),
                    "amount_as_of": case(
                        (newer, statement.excluded.amount_as_of), else_=table.c.amount_as_of
                    ),
                    "open_amount_sequence": (kept if first else applied_after(kept, sequence)),
                    "due_date": case(
                        (
                            (statement.excluded.due_date.is_not(None)) & due_date_newer,
                            statement.excluded.due_date,
                        ),
                        else_=table.c.due_date,
                    ),
                    "due_date_as_of": case(
                        (
                            (statement.excluded.due_date.is_not(None)) & due_date_newer,
                            statement.excluded.due_date_as_of,
                        ),
                        else_=table.c.due_date_as_of,
                    ),
                    "order_reference": func.coalesce(
                        table.c.order_reference, statement.excluded.order_reference
                    ),
                    "overdue_on": func.coalesce(table.c.overdue_on, statement.excluded.overdue_on),
                },
            )
        )

    async def set_due_date(self, invoice_id: uuid.UUID, due_date: date, as_of: datetime) -> bool:
        """Move the due date unless a newer event set it; False when the invoice is unknown."""
        updated = await self.session.scalar(
            update(ExposureInvoice)
            .where(
                ExposureInvoice.invoice_id == invoice_id,
                func.coalesce(ExposureInvoice.due_date_as_of <= as_of, True),
            )
            .values(due_date=due_date, due_date_as_of=as_of, overdue_on=None)
            .returning(ExposureInvoice.invoice_id)
        )
        return updated is not None

    async def currency_of(self, invoice_id: uuid.UUID) -> str | None:
        return await self.session.scalar(
            select(ExposureInvoice.currency).where(ExposureInvoice.invoice_id == invoice_id)
        )

    async def refresh_summary(self, customer_id: uuid.UUID, currency: str) -> None:
        """Recompute the customer's summary row from its invoice rows, in one statement.

        A recomputation, not an increment: the summary cannot drift from the rows it sums."""
        totals = select(
            literal(customer_id).label("customer_id"),
            literal(currency).label("currency"),
            func.coalesce(func.sum(ExposureInvoice.open_amount), 0).label("open_amount"),
            func.min(ExposureInvoice.due_date)
            .filter(ExposureInvoice.open_amount > 0)
            .label("oldest_open_due_date"),
        ).where(ExposureInvoice.customer_id == customer_id, ExposureInvoice.currency == currency)
        statement = insert(CustomerExposure).from_select(
            ["customer_id", "currency", "open_amount", "oldest_open_due_date"], totals
        )
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[CustomerExposure.customer_id, CustomerExposure.currency],
                set_={
                    "open_amount": statement.excluded.open_amount,
                    "oldest_open_due_date": statement.excluded.oldest_open_due_date,
                },
            )
        )

    async def invoices_of(self, customer_id: uuid.UUID) -> list[ExposureInvoice]:
        rows = await self.session.scalars(
            select(ExposureInvoice)
            .where(ExposureInvoice.customer_id == customer_id)
            .order_by(ExposureInvoice.due_date, ExposureInvoice.invoice_id)
            .execution_options(populate_existing=True)
        )
        return list(rows.all())

    async def summaries_of(self, customer_id: uuid.UUID) -> list[CustomerExposure]:
        rows = await self.session.scalars(
            select(CustomerExposure)
            .where(CustomerExposure.customer_id == customer_id)
            .order_by(CustomerExposure.currency)
            .execution_options(populate_existing=True)
        )
        return list(rows.all())

    async def reserved_of(self, customer_id: uuid.UUID, now: datetime) -> dict[str, Decimal]:
        """Active reservations per currency: they count until released, consumed or expired."""
        rows = await self.session.execute(
            select(CreditReservation.currency, func.sum(CreditReservation.amount))
            .where(
                CreditReservation.customer_id == customer_id,
                CreditReservation.status == ReservationStatus.ACTIVE,
                CreditReservation.expires_at > now,
            )
            .group_by(CreditReservation.currency)
        )
        return {currency: amount for currency, amount in rows}
