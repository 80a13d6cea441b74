"""The event catalogue and its CloudEvents encoding."""

from receivables_shared.events.base import Event, dead_letter_topic_of, topic_of
from receivables_shared.events.catalogue import (
    CATALOGUE,
    CustomerCreated,
    DunningStepDue,
    InvoiceIssued,
    PaymentReceived,
)

__all__ = [
    "CATALOGUE",
    "CustomerCreated",
    "DunningStepDue",
    "Event",
    "InvoiceIssued",
    "PaymentReceived",
    "dead_letter_topic_of",
    "topic_of",
]
