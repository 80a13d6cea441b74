"""The event catalogue and its CloudEvents encoding."""

from receivables_shared.events.base import Event, dead_letter_topic_of, topic_of
from receivables_shared.events.catalogue import (
    CATALOGUE,
    CustomerContact,
    CustomerCreated,
    CustomerUpdated,
    DunningStepDue,
    InvoiceIssued,
    PaymentReceived,
)

__all__ = [
    "CATALOGUE",
    "CustomerContact",
    "CustomerCreated",
    "CustomerUpdated",
    "DunningStepDue",
    "Event",
    "InvoiceIssued",
    "PaymentReceived",
    "dead_letter_topic_of",
    "topic_of",
]
