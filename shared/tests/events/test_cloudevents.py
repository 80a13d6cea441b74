import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from receivables_shared.events import InvoiceIssued
from receivables_shared.events.base import event_name_of
from receivables_shared.events.cloudevents import (
    MalformedEvent,
    UnknownEventType,
    decode,
    encode_body,
    encode_headers,
)
from receivables_shared.metrics import OTHER_EVENT_TYPE, event_type_label

CUSTOMER = uuid.UUID("00000000-0000-0000-0000-00000000c0de")


def create_invoice_issued(total: str = "1200.50") -> InvoiceIssued:
    return InvoiceIssued(
        customer_id=CUSTOMER,
        invoice_id=uuid.uuid4(),
        number="INV-2026-000001",
        currency="EUR",
        total=Decimal(total),
        issue_date=date(2026, 3, 2),
        due_date=date(2026, 4, 1),
    )


def headers_for(event_type: str, event_id: uuid.UUID | None = None) -> list[tuple[str, bytes]]:
    return encode_headers(
        event_id=event_id or uuid.uuid4(),
        event_type=event_type,
        source="/invoicing",
        time=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        correlation_id="req-1",
    )


def test_round_trip_keeps_every_attribute_and_exact_money() -> None:
    event = create_invoice_issued("0.10")
    event_id = uuid.uuid4()

    received = decode(headers_for(event.event_type(), event_id), encode_body(event))

    assert received.event == event
    assert isinstance(received.event, InvoiceIssued)
    assert received.event.total == Decimal("0.10")
    assert received.meta.id == event_id
    assert received.meta.source == "/invoicing"
    assert received.meta.correlation_id == "req-1"


def test_binary_mode_headers_and_json_body() -> None:
    event = create_invoice_issued()
    headers = dict(headers_for(event.event_type()))

    assert headers["ce_specversion"] == b"1.0"
    assert headers["ce_type"] == b"receivables.InvoiceIssued.v1"
    assert headers["content-type"] == b"application/json"
    assert json.loads(encode_body(event))["total"] == "1200.50"


def test_missing_headers_are_malformed() -> None:
    with pytest.raises(MalformedEvent, match="ce_id"):
        decode([("ce_type", b"receivables.InvoiceIssued.v1")], b"{}")


def test_body_that_is_not_json_is_malformed() -> None:
    with pytest.raises(MalformedEvent):
        decode(headers_for("receivables.InvoiceIssued.v1"), b"\x00not json")


def test_body_failing_the_schema_is_malformed() -> None:
    body = json.loads(encode_body(create_invoice_issued()))
    body["currency"] = "EURO"
    with pytest.raises(MalformedEvent, match="currency"):
        decode(headers_for("receivables.InvoiceIssued.v1"), json.dumps(body).encode())


def test_unknown_event_type_is_told_apart_from_malformed() -> None:
    with pytest.raises(UnknownEventType):
        decode(headers_for("receivables.SomethingNew.v1"), b"{}")


def test_a_field_this_build_does_not_know_is_ignored_when_reading() -> None:
    event = create_invoice_issued()
    newer_body = json.loads(encode_body(event)) | {"discount_percent": "2.5"}

    received = decode(headers_for(event.event_type()), json.dumps(newer_body).encode())

    assert received.event == event


def test_an_event_in_a_withdrawn_currency_stays_readable() -> None:
    # Croatia left HRK for EUR in 2023: a request may no longer use it, a recorded fact may.
    old_body = json.loads(encode_body(create_invoice_issued())) | {"currency": "HRK"}

    received = decode(headers_for(InvoiceIssued.event_type()), json.dumps(old_body).encode())

    assert received.event.model_dump()["currency"] == "HRK"
    with pytest.raises(MalformedEvent):
        decode(
            headers_for(InvoiceIssued.event_type()),
            json.dumps(old_body | {"currency": "euro"}).encode(),
        )


def test_a_producer_still_cannot_write_a_field_the_catalogue_does_not_name() -> None:
    fields = create_invoice_issued().model_dump()
    with pytest.raises(ValidationError, match="discount_percent"):
        InvoiceIssued.model_validate(fields | {"discount_percent": "2.5"})


def test_a_time_without_offset_is_malformed() -> None:
    headers = [
        (name, b"2026-03-02T09:00:00" if name == "ce_time" else value)
        for name, value in headers_for("receivables.InvoiceIssued.v1")
    ]
    with pytest.raises(MalformedEvent, match="no UTC offset"):
        decode(headers, encode_body(create_invoice_issued()))


def test_a_time_with_an_offset_is_kept_aware() -> None:
    headers = [
        (name, b"2026-03-02T11:00:00+02:00" if name == "ce_time" else value)
        for name, value in headers_for("receivables.InvoiceIssued.v1")
    ]
    received = decode(headers, encode_body(create_invoice_issued()))
    assert received.meta.time == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_a_schema_failure_names_the_field_but_not_the_value() -> None:
    body = json.loads(encode_body(create_invoice_issued())) | {"number": 12345678901}
    with pytest.raises(MalformedEvent) as raised:
        decode(headers_for("receivables.InvoiceIssued.v1"), json.dumps(body).encode())
    assert "number" in str(raised.value)
    assert "12345678901" not in str(raised.value)


def test_the_unknown_type_is_carried_for_the_consumer_to_decide() -> None:
    with pytest.raises(UnknownEventType) as raised:
        decode(headers_for("receivables.InvoiceIssued.v2"), b"{}")
    assert raised.value.event_type == "receivables.InvoiceIssued.v2"
    assert event_name_of(raised.value.event_type) == "InvoiceIssued"
    assert event_name_of("com.example.Thing") is None


def test_metric_labels_take_only_catalogue_types() -> None:
    assert event_type_label("receivables.InvoiceIssued.v1") == "receivables.InvoiceIssued.v1"
    assert event_type_label("receivables.InvoiceIssued.v2") == OTHER_EVENT_TYPE
    assert event_type_label("x" * 500) == OTHER_EVENT_TYPE
