"""Catalogue events and handler contexts for tests, with plain defaults."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from receivables_shared.clock import Clock
from receivables_shared.consumer import HandlerContext
from receivables_shared.events import (
    CustomerContact,
    CustomerCreated,
    CustomerUpdated,
    Event,
    InvoiceIssued,
)
from receivables_shared.events.cloudevents import EventMeta


def create_invoice_issued(
    customer_id: uuid.UUID | None = None,
    *,
    number: str = "INV-2026-000001",
    total: str = "1200.50",
    currency: str = "EUR",
    issue_date: date = date(2026, 3, 2),
    due_date: date = date(2026, 4, 1),
) -> InvoiceIssued:
    return InvoiceIssued(
        customer_id=customer_id or uuid.uuid4(),
        invoice_id=uuid.uuid4(),
        number=number,
        currency=currency,
        total=Decimal(total),
        issue_date=issue_date,
        due_date=due_date,
    )


def create_customer_created(
    customer_id: uuid.UUID | None = None,
    *,
    name: str = "SIA Koks",
    country: str = "LV",
    language: str = "lv",
    currency: str = "EUR",
) -> CustomerCreated:
    return CustomerCreated(
        customer_id=customer_id or uuid.uuid4(),
        name=name,
        country=country,
        language=language,
        currency=currency,
    )


def create_customer_updated(
    customer_id: uuid.UUID | None = None,
    *,
    name: str = "SIA Koks",
    country: str = "LV",
    language: str = "lv",
    currency: str = "EUR",
    segment: str | None = None,
) -> CustomerUpdated:
    return CustomerUpdated(
        customer_id=customer_id or uuid.uuid4(),
        name=name,
        country=country,
        language=language,
        currency=currency,
        external_id="ERP-1",
        tax_id="LV40003521600",
        time_zone="Europe/Riga",
        segment=segment,
        contacts=(
            CustomerContact(
                name="Anna Koka",
                role="accountant",
                email="anna@koks.lv",
                preferred_channel="email",
            ),
        ),
    )


def handler_context(
    clock: Clock, event_class: type[Event] = InvoiceIssued, *, correlation_id: str | None = None
) -> HandlerContext:
    """What the consumer hands a handler for an event of `event_class`, delivered now."""
    meta = EventMeta(
        id=uuid.uuid4(),
        type=event_class.event_type(),
        source=f"/{event_class.producer}",
        time=clock.now(),
        correlation_id=correlation_id,
    )
    return HandlerContext(meta=meta, clock=clock)
