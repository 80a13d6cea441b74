"""Payload adapters: each sender's JSON mapped to one IncomingPayment, or refused with a reason.

- standard: our own payload, documented in docs/webhooks.md (amounts as decimal strings).
- stripe: a `payment_intent.succeeded` or `charge.succeeded` event (amounts in minor units).
- quickbooks: an `eventNotifications` Payment notification enriched with the Payment object.

JSON is parsed with Decimal for every number (`parse_json`), so a sender's `120.5` is never a
binary float on its way here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from stdnum import iban
from stdnum.exceptions import ValidationError as StdnumInvalid

from receivables_shared.money import fits_minor_units, minor_units
from receivables_shared.reference_codes import CURRENCIES

MAX_TEXT = 500
MAX_INVOICE_NUMBERS = 100


class PayloadRejected(Exception):
    """The payload cannot become a payment; the delivery is kept as rejected with this reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class IncomingPayment:
    """One payment as every source's adapter gives it to allocation."""

    source: str
    #: The sender's id of the payment (not of the delivery): pi_..., the QuickBooks Payment Id.
    external_id: str
    amount: Decimal
    currency: str
    received_on: date
    payer_name: str | None = None
    payer_iban: str | None = None
    #: Remittance text or a structured RF creditor reference.
    reference: str | None = None
    customer_external_id: str | None = None
    invoice_numbers: tuple[str, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        values = asdict(self)
        values["amount"] = str(self.amount)
        values["received_on"] = self.received_on.isoformat()
        values["invoice_numbers"] = list(self.invoice_numbers)
        return values


def parse_json(body: bytes) -> Any:
    """The payload with every JSON number as a Decimal; PayloadRejected if it is not JSON."""
    try:
        return json.loads(body, parse_float=Decimal, parse_int=Decimal)
    except (ValueError, RecursionError) as error:
        raise PayloadRejected(f"the body is not valid JSON: {error}"[:MAX_TEXT]) from None


def body_digest(body: bytes) -> str:
    """The key of a delivery whose payload names no event id (or is not JSON)."""
    return "sha256:" + hashlib.sha256(body).hexdigest()


# --- field helpers: each names the field it refuses -------------------------------------------


def _object(value: Any, name: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PayloadRejected(f"{name} must be an object")
    return value


def _text(value: Any, name: str, *, required: bool = False) -> str | None:
    if value is None or value == "":
        if required:
            raise PayloadRejected(f"{name} is missing")
        return None
    if isinstance(value, Decimal):
        value = str(value)
    if not isinstance(value, str):
        raise PayloadRejected(f"{name} must be a string")
    if len(value) > MAX_TEXT:
        raise PayloadRejected(f"{name} is longer than {MAX_TEXT} characters")
    return value.strip() or None


def _required_text(value: Any, name: str) -> str:
    text = _text(value, name, required=True)
    assert text is not None
    return text


def _currency(value: Any, name: str) -> str:
    code = _required_text(value, name).upper()
    if code not in CURRENCIES:
        raise PayloadRejected(f"{name} {code!r} is not the ISO 4217 code of a currency in use")
    return code


def _amount(value: Any, name: str, currency: str) -> Decimal:
    if value is None:
        raise PayloadRejected(f"{name} is missing")
    if isinstance(value, bool) or not isinstance(value, str | Decimal):
        raise PayloadRejected(f"{name} must be a decimal")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise PayloadRejected(f"{name} {value!r} is not a decimal") from None
    if not amount.is_finite():
        raise PayloadRejected(f"{name} must be a finite decimal")
    if amount <= 0:
        raise PayloadRejected(f"{name} must be positive, not {amount}")
    if not fits_minor_units(amount, currency):
        raise PayloadRejected(
            f"{name} {amount} has more decimals than {currency} has ({minor_units(currency)})"
        )
    if amount.adjusted() >= 16:  # Numeric(19, 3) holds 16 integer digits
        raise PayloadRejected(f"{name} {amount} is too large")
    return amount


def _date(value: Any, name: str) -> date:
    text = _required_text(value, name)
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise PayloadRejected(f"{name} {text!r} is not an ISO date") from None


def _iban(value: Any, name: str) -> str | None:
    text = _text(value, name)
    if text is None:
        return None
    try:
        return str(iban.validate(text))
    except StdnumInvalid:
        raise PayloadRejected(f"{name} is not a valid IBAN") from None


def _invoice_numbers(value: Any, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):  # Stripe metadata holds strings only: "INV-1,INV-2"
        value = [part for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or len(value) > MAX_INVOICE_NUMBERS:
        raise PayloadRejected(f"{name} must be a list of at most {MAX_INVOICE_NUMBERS}")
    return tuple(_required_text(item, f"{name}[{i}]") for i, item in enumerate(value))


# --- the adapters -----------------------------------------------------------------------------


class PayloadAdapter(Protocol):
    def event_id(self, payload: Any) -> str | None:
        """The sender's id of this delivery, when the payload carries one."""
        ...

    def payment(self, payload: Any, *, source: str, zone: ZoneInfo) -> IncomingPayment:
        """The payment; PayloadRejected naming what is wrong."""
        ...


class StandardAdapter:
    """Our own payload: {"type": "payment.received", "data": {"payment_id", "amount", ...}}."""

    def event_id(self, payload: Any) -> str | None:
        return None  # Standard Webhooks carries it in webhook-id

    def payment(self, payload: Any, *, source: str, zone: ZoneInfo) -> IncomingPayment:
        document = _object(payload, "the payload")
        if document.get("type") != "payment.received":
            raise PayloadRejected(f"type {document.get('type')!r} is not 'payment.received'")
        data = _object(document.get("data"), "data")
        currency = _currency(data.get("currency"), "data.currency")
        if isinstance(data.get("amount"), Decimal):
            raise PayloadRejected("data.amount must be a decimal string, not a JSON number")
        return IncomingPayment(
            source=source,
            external_id=_required_text(data.get("payment_id"), "data.payment_id"),
            amount=_amount(data.get("amount"), "data.amount", currency),
            currency=currency,
            received_on=_date(data.get("received_on"), "data.received_on"),
            payer_name=_text(data.get("payer_name"), "data.payer_name"),
            payer_iban=_iban(data.get("payer_iban"), "data.payer_iban"),
            reference=_text(data.get("reference"), "data.reference"),
            customer_external_id=_text(
                data.get("customer_external_id"), "data.customer_external_id"
            ),
            invoice_numbers=_invoice_numbers(data.get("invoice_numbers"), "data.invoice_numbers"),
        )


class StripeAdapter:
    """A Stripe event whose object is a succeeded PaymentIntent or Charge."""

    TYPES = frozenset({"payment_intent.succeeded", "charge.succeeded"})

    def event_id(self, payload: Any) -> str | None:
        if isinstance(payload, Mapping) and isinstance(payload.get("id"), str):
            return str(payload["id"])
        return None

    def payment(self, payload: Any, *, source: str, zone: ZoneInfo) -> IncomingPayment:
        event = _object(payload, "the payload")
        if event.get("type") not in self.TYPES:
            raise PayloadRejected(f"type {event.get('type')!r} is not a succeeded payment")
        data = _object(event.get("data"), "data")
        payment = _object(data.get("object"), "data.object")
        currency = _currency(payment.get("currency"), "data.object.currency")
        minor = payment.get("amount_received", payment.get("amount"))
        if not isinstance(minor, Decimal) or minor != minor.to_integral_value():
            raise PayloadRejected("data.object.amount must be an integer of minor units")
        created = payment.get("created", event.get("created"))
        if not isinstance(created, Decimal):
            raise PayloadRejected("data.object.created must be a unix timestamp")
        metadata = _object(payment.get("metadata") or {}, "data.object.metadata")
        billing = _object(payment.get("billing_details") or {}, "data.object.billing_details")
        # One card payment fires both payment_intent.succeeded and charge.succeeded: a charge
        # names its PaymentIntent, so both key the same payment and it is applied once.
        intent = payment.get("payment_intent") if event.get("type") == "charge.succeeded" else None
        payment_key = intent if isinstance(intent, str) and intent else payment.get("id")
        return IncomingPayment(
            source=source,
            external_id=_required_text(payment_key, "data.object.id"),
            amount=_amount(minor.scaleb(-minor_units(currency)), "data.object.amount", currency),
            currency=currency,
            received_on=datetime.fromtimestamp(int(created), UTC).astimezone(zone).date(),
            payer_name=_text(billing.get("name"), "data.object.billing_details.name"),
            payer_iban=None,
            reference=_text(
                metadata.get("reference") or payment.get("description"), "metadata.reference"
            ),
            customer_external_id=_text(
                metadata.get("customer_external_id"), "metadata.customer_external_id"
            ),
            invoice_numbers=_invoice_numbers(
                metadata.get("invoice_numbers"), "metadata.invoice_numbers"
            ),
        )


class QuickBooksAdapter:
    """A QuickBooks Online Payment notification, enriched with the Payment object it names:
    {"eventNotifications": [{"realmId", "dataChangeEvent": {"entities": [...]}}], "payment": {...}}
    """

    def _entity(self, payload: Any) -> tuple[str, Mapping[str, Any]]:
        document = _object(payload, "the payload")
        notifications = document.get("eventNotifications")
        if not isinstance(notifications, list) or len(notifications) != 1:
            raise PayloadRejected("eventNotifications must hold exactly one notification")
        notification = _object(notifications[0], "eventNotifications[0]")
        realm = _required_text(notification.get("realmId"), "eventNotifications[0].realmId")
        change = _object(notification.get("dataChangeEvent"), "dataChangeEvent")
        entities = change.get("entities")
        if not isinstance(entities, list) or len(entities) != 1:
            raise PayloadRejected("dataChangeEvent.entities must hold exactly one entity")
        return realm, _object(entities[0], "dataChangeEvent.entities[0]")

    def event_id(self, payload: Any) -> str | None:
        try:
            realm, entity = self._entity(payload)
        except PayloadRejected:
            return None
        parts = [entity.get(k) for k in ("name", "id", "operation", "lastUpdated")]
        if not all(isinstance(part, str) for part in parts):
            return None
        return ":".join([realm, *map(str, parts)])

    def payment(self, payload: Any, *, source: str, zone: ZoneInfo) -> IncomingPayment:
        realm, entity = self._entity(payload)
        if entity.get("name") != "Payment" or entity.get("operation") != "Create":
            raise PayloadRejected("the notification is not a created Payment")
        payment = _object(_object(payload, "the payload").get("payment"), "payment")
        if str(payment.get("Id")) != str(entity.get("id")):
            raise PayloadRejected("payment.Id is not the entity the notification names")
        currency = _currency(
            _object(payment.get("CurrencyRef") or {}, "CurrencyRef").get("value"),
            "payment.CurrencyRef.value",
        )
        customer = _object(payment.get("CustomerRef") or {}, "payment.CustomerRef")
        invoices = [
            linked.get("TxnId")
            for line in payment.get("Line") or []
            if isinstance(line, Mapping)
            for linked in line.get("LinkedTxn") or []
            if isinstance(linked, Mapping) and linked.get("TxnType") == "Invoice"
        ]
        return IncomingPayment(
            source=source,
            external_id=f"{realm}:{_required_text(payment.get('Id'), 'payment.Id')}",
            amount=_amount(payment.get("TotalAmt"), "payment.TotalAmt", currency),
            currency=currency,
            received_on=_date(payment.get("TxnDate"), "payment.TxnDate"),
            payer_name=_text(customer.get("name"), "payment.CustomerRef.name"),
            payer_iban=None,
            reference=_text(payment.get("PaymentRefNum"), "payment.PaymentRefNum"),
            customer_external_id=_text(customer.get("value"), "payment.CustomerRef.value"),
            invoice_numbers=_invoice_numbers(invoices, "payment.Line.LinkedTxn"),
        )


ADAPTERS: Mapping[str, Callable[[], PayloadAdapter]] = {
    "standard": StandardAdapter,
    "stripe": StripeAdapter,
    "quickbooks": QuickBooksAdapter,
}


def adapter_named(name: str) -> PayloadAdapter:
    return ADAPTERS[name]()
