from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Index, String, Uuid, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from credit_policy.base import Base


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    #: The caller's own id (ERP number); optional for customers created by POST.
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    country: Mapped[str] = mapped_column(String(2))
    language: Mapped[str] = mapped_column(String(8))
    currency: Mapped[str] = mapped_column(String(3))
    tax_id: Mapped[str | None] = mapped_column(String(64))
    time_zone: Mapped[str] = mapped_column(String(64))
    segment: Mapped[str | None] = mapped_column(String(64))
    # Contacts live inside the customer document: always read, written and announced whole.
    contacts: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        # GET /v1/customers pages by (created_at, id): each page is one index range scan.
        Index("ix_customers_created_at_id", "created_at", "id"),
        # ...and with ?segment= it is one range scan of this index.
        Index("ix_customers_segment_created_at_id", "segment", "created_at", "id"),
    )
