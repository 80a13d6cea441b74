"""The three shipped adapters on sample payloads: one IncomingPayment, or a reason."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from invoicing.webhooks.adapters import (
    IncomingPayment,
    PayloadRejected,
    adapter_named,
    parse_json,
)
from services.invoicing.tests.webhooks.samples import (
    encode,
    quickbooks_notification,
    standard_payload,
    stripe_event,
)

RIGA = ZoneInfo("Europe/Riga")


def read(adapter: str, payload: Any) -> IncomingPayment:
    return adapter_named(adapter).payment(parse_json(encode(payload)), source="s", zone=RIGA)


def reason(adapter: str, payload: Any) -> str:
    with pytest.raises(PayloadRejected) as caught:
        read(adapter, payload)
    return caught.value.reason


def test_standard_payload() -> None:
    assert read("standard", standard_payload()) == IncomingPayment(
        source="s",
        external_id="pay_2026_000123",
        amount=Decimal("1210.50"),
        currency="EUR",
        received_on=date(2026, 3, 2),
        payer_name="SIA Koks",
        payer_iban="LV80BANK0000435195001",
        reference="RF18539007547034",
        customer_external_id="erp-4711",
        invoice_numbers=("INV-2026-000017",),
    )


def test_stripe_payment_intent_in_minor_units() -> None:
    payment = read("stripe", stripe_event())

    assert (payment.external_id, payment.amount, payment.currency) == (
        "pi_3PqRsT2eZvKYlo2C1xYz",
        Decimal("1210.50"),
        "EUR",
    )
    assert payment.received_on == date(2026, 3, 2)
    assert payment.customer_external_id == "erp-4711"
    assert payment.invoice_numbers == ("INV-2026-000017",)
    assert payment.reference == "Invoice INV-2026-000017"


def test_stripe_zero_and_three_decimal_currencies() -> None:
    assert read("stripe", stripe_event(currency="jpy", amount_received=5000)).amount == 5000
    kwd = read("stripe", stripe_event(currency="kwd", amount_received=12345))
    assert kwd.amount == Decimal("12.345")


def test_stripe_charge_succeeded_with_billing_name() -> None:
    event = stripe_event()
    event["type"] = "charge.succeeded"
    event["data"]["object"] |= {"id": "ch_1", "billing_details": {"name": "SIA Koks"}}

    payment = read("stripe", event)

    assert (payment.external_id, payment.payer_name) == ("ch_1", "SIA Koks")


def test_a_charge_and_its_payment_intent_are_one_payment() -> None:
    intent = read("stripe", stripe_event("evt_1"))
    charge_event = stripe_event("evt_2")
    charge_event["type"] = "charge.succeeded"
    charge_event["data"]["object"] |= {"id": "ch_1", "payment_intent": "pi_3PqRsT2eZvKYlo2C1xYz"}

    charge = read("stripe", charge_event)

    # Stripe sends both events for one card payment: the same key, so it is applied once.
    assert charge.external_id == intent.external_id == "pi_3PqRsT2eZvKYlo2C1xYz"


def test_quickbooks_payment_reads_numbers_as_exact_decimals() -> None:
    payment = read("quickbooks", quickbooks_notification())

    assert payment.amount == Decimal("1210.5") and isinstance(payment.amount, Decimal)
    assert payment.external_id == "9130349876543210:145"
    assert payment.customer_external_id == "58" and payment.payer_name == "SIA Koks"
    assert payment.invoice_numbers == ("INV-2026-000017",)
    assert payment.received_on == date(2026, 3, 2)


def test_event_ids_from_the_payload() -> None:
    assert adapter_named("stripe").event_id(stripe_event("evt_9")) == "evt_9"
    assert adapter_named("quickbooks").event_id(quickbooks_notification("7")) == (
        "9130349876543210:Payment:7:Create:2026-03-02T09:00:00.000Z"
    )
    assert adapter_named("quickbooks").event_id({"nothing": 1}) is None
    assert adapter_named("standard").event_id(standard_payload()) is None


@pytest.mark.parametrize(
    ("adapter", "payload", "expected"),
    [
        ("stripe", stripe_event(amount_received=-100), "must be positive"),
        ("stripe", stripe_event(currency="zzz"), "ZZZ"),
        ("stripe", {**stripe_event(), "type": "payment_intent.created"}, "not a succeeded"),
        ("stripe", stripe_event(amount_received="12.10"), "integer of minor units"),
        ("quickbooks", quickbooks_notification(TotalAmt=None), "payment.TotalAmt is missing"),
        ("quickbooks", quickbooks_notification(TotalAmt=-5), "must be positive"),
        ("quickbooks", quickbooks_notification(CurrencyRef={"value": "EURO"}), "EURO"),
        ("quickbooks", {**quickbooks_notification(), "payment": None}, "payment must be"),
        ("standard", {"type": "invoice.paid"}, "is not 'payment.received'"),
        ("standard", [1, 2], "the payload must be an object"),
        ("standard", standard_payload(payment_id=None), "data.payment_id is missing"),
        ("standard", standard_payload(amount="1e20"), "too large"),
        ("standard", standard_payload(amount="NaN"), "finite"),
    ],
)
def test_unmappable_payloads_name_what_is_wrong(adapter: str, payload: Any, expected: str) -> None:
    assert expected in reason(adapter, payload)


def test_a_body_that_is_not_json_is_refused_with_where() -> None:
    with pytest.raises(PayloadRejected) as caught:
        parse_json(b'{"a": ')

    assert caught.value.reason.startswith("the body is not valid JSON")
