"""Every event type of the platform, in one place.

Add an event here (with its producer and a summary), then run `make asyncapi` to refresh
docs/asyncapi.yaml; a test fails while the document is stale.
"""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, ConfigDict

from receivables_shared.events.base import Event
from receivables_shared.money import Amount, RecordedCurrencyCode


class CustomerContact(BaseModel):
    """A person at the customer: role `decision_maker`, `accountant` or `other`; preferred
    channel `email`, `phone`, `sms` or `letter` (plain text, so a value added later stays
    readable by an older consumer)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str | None = None
    role: str
    email: str | None = None
    #: E.164, e.g. "+37120000000".
    phone: str | None = None
    preferred_channel: str


class CustomerCreated(Event):
    producer = "credit-policy"
    summary = "A customer was registered for trading on credit."

    name: str
    country: str
    language: str
    currency: RecordedCurrencyCode
    # Added after v1 was published, so optional: a consumer may meet events without them.
    external_id: str | None = None
    tax_id: str | None = None
    #: IANA zone, e.g. "Europe/Riga".
    time_zone: str | None = None
    segment: str | None = None
    contacts: tuple[CustomerContact, ...] = ()


class CustomerUpdated(Event):
    producer = "credit-policy"
    summary = "A customer's master data changed: the full snapshot after the change."

    name: str
    country: str
    language: str
    currency: RecordedCurrencyCode
    external_id: str | None
    tax_id: str | None
    #: IANA zone, e.g. "Europe/Riga".
    time_zone: str
    segment: str | None
    contacts: tuple[CustomerContact, ...]


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
    CustomerUpdated,
    InvoiceIssued,
    PaymentReceived,
    DunningStepDue,
)

EVENT_TYPES: dict[str, type[Event]] = {event.event_type(): event for event in CATALOGUE}
