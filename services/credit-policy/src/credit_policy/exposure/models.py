from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Date, DateTime, Index, Numeric, String, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from credit_policy.base import Base

MONEY = Numeric(19, 3)


class ExposureInvoice(Base):
    """One open (or closed) invoice as invoicing's events describe it: the projection's row."""

    __tablename__ = "exposure_invoices"

    invoice_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    currency: Mapped[str] = mapped_column(String(3))
    open_amount: Mapped[Decimal] = mapped_column(MONEY)
    #: None while only a later movement has arrived, before InvoiceIssued (reordering).
    due_date: Mapped[date | None] = mapped_column(Date)
    order_reference: Mapped[str | None] = mapped_column(String(100))
    overdue_on: Mapped[date | None] = mapped_column(Date)
    #: When open_amount was last set (the event's time): for people, never for ordering.
    amount_as_of: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: The highest movement_sequence applied to open_amount: an event with a lower one (replayed
    #: or late) leaves it (receivables_shared.open_amounts.supersedes).
    open_amount_sequence: Mapped[int | None] = mapped_column(BigInteger)
    due_date_as_of: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        # The summary is recomputed from one customer's rows after every movement.
        Index("ix_exposure_invoices_customer_id_currency", "customer_id", "currency"),
        # The holds job scans open invoices by due date.
        Index(
            "ix_exposure_invoices_open_due_date",
            "due_date",
            postgresql_where=text("open_amount > 0"),
        ),
    )


class CustomerExposure(Base):
    """Per customer and currency: the open receivables, kept in the same transaction as the
    invoice rows, so a credit check reads one row."""

    __tablename__ = "customer_exposures"

    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    open_amount: Mapped[Decimal] = mapped_column(MONEY)
    #: The oldest due date among the open invoices: overdue beyond grace without a scan.
    oldest_open_due_date: Mapped[date | None] = mapped_column(Date)
