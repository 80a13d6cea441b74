"""Every event type of the platform, in one place.

Add an event here (with its producer and a summary), then run `make asyncapi` to refresh
docs/asyncapi.yaml; a test fails while the document is stale.
"""

from __future__ import annotations

import uuid
from datetime import date

from receivables_shared.events.base import Event
from receivables_shared.money import Amount, RecordedCurrencyCode


class CustomerCreated(Event):
    producer = "credit-policy"
    summary = "A customer was registered for trading on credit."

    name: str
    country: str
    language: str
    currency: RecordedCurrencyCode


class InvoiceIssued(Event):
    producer = "invoicing"
    summary = "An invoice was issued to a customer and is now receivable."

    invoice_id: uuid.UUID
    number: str
    currency: RecordedCurrencyCode
    total: Amount
    issue_date: date
    due_date: date


class PaymentReceived(Event):
    producer = "invoicing"
    summary = "Money from a customer arrived (webhook or bank file), before allocation."

    payment_id: uuid.UUID
    currency: RecordedCurrencyCode
    amount: Amount
    received_on: date
    reference: str | None = None


class DunningStepDue(Event):
    producer = "collections"
    summary = "A dunning step (reminder, call, final notice) is due for an overdue invoice."

    invoice_id: uuid.UUID
    step: int
    channel: str
    due_on: date


CATALOGUE: tuple[type[Event], ...] = (
    CustomerCreated,
    InvoiceIssued,
    PaymentReceived,
    DunningStepDue,
)

EVENT_TYPES: dict[str, type[Event]] = {event.event_type(): event for event in CATALOGUE}
