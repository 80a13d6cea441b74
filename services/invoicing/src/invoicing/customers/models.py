from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, String, Uuid, func
from sqlalchemy.orm import Mapped, mapped_column

from invoicing.base import Base


class KnownCustomer(Base):
    """Invoicing's copy of the customers credit-policy registered (CustomerCreated/Updated)."""

    __tablename__ = "known_customers"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    #: The legal name, as on the invoice.
    name: Mapped[str] = mapped_column(String(300))
    language: Mapped[str] = mapped_column(String(8))
    currency: Mapped[str] = mapped_column(String(3))
    #: ISO 3166 alpha-2: whose public holidays move due dates. None for a customer learnt
    #: from an event that predates the field.
    country: Mapped[str | None] = mapped_column(String(2))
    time_zone: Mapped[str | None] = mapped_column(String(64))
    tax_id: Mapped[str | None] = mapped_column(String(64))
    #: The id the customer has in the caller's systems (credit-policy's external_id): an
    #: import's rows may name customers by it.
    external_id: Mapped[str | None] = mapped_column(String(100), index=True)
    registered_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    @property
    def legal_name(self) -> str:
        """The name credit-policy registered is the legal name (as printed on invoices)."""
        return self.name
