"""The base of every event in the catalogue."""

from __future__ import annotations

import re
import uuid
from typing import ClassVar, Self

from pydantic import BaseModel, ConfigDict

#: CloudEvents type prefix: ce_type is "receivables.<EventName>.v<version>".
TYPE_PREFIX = "receivables"


def event_name_of(event_type: str) -> str | None:
    """'receivables.InvoiceIssued.v2' -> 'InvoiceIssued'; None when not of that shape."""
    prefix, _, rest = event_type.partition(".")
    name, _, version = rest.rpartition(".v")
    if prefix != TYPE_PREFIX or not name or not version.isdigit():
        return None
    return name


def topic_of(service: str) -> str:
    """One topic per producing service."""
    return f"{service}.events"


def dead_letter_topic_of(service: str) -> str:
    """One dead-letter topic per consuming service; headers name the consumer group."""
    return f"{service}.dlq"


class Event(BaseModel):
    """A fact from one service, keyed by customer so a customer's events stay in order.

    Written strictly (extra="forbid": a producer cannot send a field the catalogue does not
    name), read tolerantly (`read_json` ignores fields this build does not know), so adding an
    optional field is a compatible change that needs no new version.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: Bumped when the payload changes incompatibly; old and new versions may live side by side.
    version: ClassVar[int] = 1
    #: The service that publishes this event (its topic is topic_of(producer)).
    producer: ClassVar[str]
    #: One sentence for the AsyncAPI document.
    summary: ClassVar[str]

    customer_id: uuid.UUID

    @classmethod
    def event_name(cls) -> str:
        """The name in ce_type: a new version's class (InvoiceIssuedV2) keeps the event's name."""
        return re.sub(rf"V{cls.version}$", "", cls.__name__) if cls.version > 1 else cls.__name__

    @classmethod
    def read_json(cls, body: bytes) -> Self:
        """Decode a received body; fields a newer producer added are ignored."""
        return cls.model_validate_json(body, extra="ignore")

    @classmethod
    def event_type(cls) -> str:
        return f"{TYPE_PREFIX}.{cls.event_name()}.v{cls.version}"

    @classmethod
    def topic(cls) -> str:
        return topic_of(cls.producer)

    def partition_key(self) -> str:
        return str(self.customer_id)
