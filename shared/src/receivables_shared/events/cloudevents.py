"""CloudEvents 1.0 in Kafka binary mode: attributes in ce_* headers, the event data as JSON body."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from receivables_shared.db.faults import validation_summary
from receivables_shared.events.base import Event
from receivables_shared.events.catalogue import EVENT_TYPES

Headers = list[tuple[str, bytes]]

CONTENT_TYPE = "application/json"


class MalformedEvent(ValueError):
    """The message cannot be read as an event of the catalogue: it goes to the dead-letter topic."""


class UnknownEventType(LookupError):
    """A well-formed event of a type (or a version of a type) this build does not know.

    The consumer skips a type it has no handler for and parks a version it cannot read of a type
    it handles (runner.py); `event_type` says which."""

    def __init__(self, event_type: str) -> None:
        super().__init__(event_type)
        self.event_type = event_type


@dataclass(frozen=True)
class EventMeta:
    id: uuid.UUID
    type: str
    source: str
    time: datetime
    correlation_id: str | None


@dataclass(frozen=True)
class ReceivedEvent:
    meta: EventMeta
    event: Event


def encode_headers(
    *,
    event_id: uuid.UUID,
    event_type: str,
    source: str,
    time: datetime,
    correlation_id: str | None,
) -> Headers:
    headers: Headers = [
        ("ce_specversion", b"1.0"),
        ("ce_id", str(event_id).encode()),
        ("ce_type", event_type.encode()),
        ("ce_source", source.encode()),
        ("ce_time", time.isoformat().encode()),
        ("content-type", CONTENT_TYPE.encode()),
    ]
    if correlation_id:
        headers.append(("ce_correlationid", correlation_id.encode()))
    return headers


def encode_body(event: Event) -> bytes:
    return event.model_dump_json().encode()


def _header_map(headers: Headers | None) -> dict[str, str]:
    result: dict[str, str] = {}
    for name, value in headers or ():
        try:
            result[name] = value.decode() if value is not None else ""
        except UnicodeDecodeError as error:
            raise MalformedEvent(f"header {name} is not UTF-8") from error
    return result


def decode(headers: Headers | None, body: bytes | None) -> ReceivedEvent:
    attributes = _header_map(headers)
    missing = [n for n in ("ce_id", "ce_type", "ce_source", "ce_time") if n not in attributes]
    if missing:
        raise MalformedEvent(f"missing CloudEvents headers: {', '.join(missing)}")
    try:
        meta = EventMeta(
            id=uuid.UUID(attributes["ce_id"]),
            type=attributes["ce_type"],
            source=attributes["ce_source"],
            time=_timestamp(attributes["ce_time"]),
            correlation_id=attributes.get("ce_correlationid"),
        )
    except ValueError as error:
        raise MalformedEvent(f"bad CloudEvents attribute: {error}") from error
    event_class = EVENT_TYPES.get(meta.type)
    if event_class is None:
        raise UnknownEventType(meta.type)
    try:
        event = event_class.read_json(body or b"")
    except ValidationError as error:
        # Without the rejected inputs: they may be personal data, and this text is a DLQ header.
        raise MalformedEvent(
            f"body is not a valid {meta.type}: {validation_summary(error)}"
        ) from error
    except ValueError as error:
        raise MalformedEvent(f"body is not a valid {meta.type}: {type(error).__name__}") from error
    return ReceivedEvent(meta=meta, event=event)


def _timestamp(value: str) -> datetime:
    """ce_time is an RFC 3339 timestamp, which always has an offset; a naive one is refused
    rather than guessed (and naive times cannot be compared with the consumer's clock)."""
    time = datetime.fromisoformat(value)
    if time.tzinfo is None or time.utcoffset() is None:
        raise ValueError(f"ce_time {value!r} has no UTC offset")
    return time
