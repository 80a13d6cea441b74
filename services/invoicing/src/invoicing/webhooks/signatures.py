"""Signature checks over the raw body, one per scheme, before anything of the body is parsed.

- standard: Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature "v1,<base64>"
  list), verified by the maintained `standardwebhooks` package.
- stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>]`, HMAC-SHA256 of "<t>.<body>".
- hmac-base64 (QuickBooks, Xero): base64 HMAC-SHA256 of the body in the source's header.

Every comparison is constant-time (hmac.compare_digest). Freshness is judged by the wall clock,
not the business clock (which can be pinned to replay a day): the sender stamps real time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from invoicing.webhooks.sources import WebhookSource

STANDARD_ID_HEADER = "webhook-id"
STANDARD_TIMESTAMP_HEADER = "webhook-timestamp"
STANDARD_SIGNATURE_HEADER = "webhook-signature"
STRIPE_SIGNATURE_HEADER = "stripe-signature"
#: Stripe's own libraries refuse a header longer than this; so do we, before any HMAC.
MAX_SIGNATURE_HEADER_LENGTH = 4096


class SignatureRejected(Exception):
    """The delivery is not proven to come from the source: answered 401, nothing stored."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _hmac_sha256(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()


def _check_fresh(timestamp: int, tolerance: int, now: float) -> None:
    if timestamp < now - tolerance:
        raise SignatureRejected("the signature timestamp is too old")
    if timestamp > now + tolerance:
        raise SignatureRejected("the signature timestamp is in the future")


def verify_standard(source: WebhookSource, body: bytes, headers: Mapping[str, str]) -> str:
    """The webhook-id of a genuine delivery (the key of the delivery)."""
    wanted = (STANDARD_ID_HEADER, STANDARD_TIMESTAMP_HEADER, STANDARD_SIGNATURE_HEADER)
    values = {name: headers.get(name) for name in wanted}
    if not all(values.values()):
        raise SignatureRejected("webhook-id, webhook-timestamp and webhook-signature are required")
    if any(len(value or "") > MAX_SIGNATURE_HEADER_LENGTH for value in values.values()):
        raise SignatureRejected("a signature header is too long")
    present = {name: value for name, value in values.items() if value}
    last: str = "no signature matches"
    for secret in source.secrets:
        try:
            Webhook(secret.get_secret_value()).verify(body, present, json_parse=False)
        except WebhookVerificationError as error:
            last = str(error).lower()
            if "timestamp" in last:  # the same for every secret: no use trying the others
                break
        except ValueError:  # a malformed signature list or base64, a body that is not UTF-8
            last = "the signature header is malformed or the body is not UTF-8"
            break
        else:
            return present[STANDARD_ID_HEADER]
    raise SignatureRejected(last)


def verify_stripe(
    source: WebhookSource, body: bytes, headers: Mapping[str, str], now: float
) -> None:
    header = headers.get(STRIPE_SIGNATURE_HEADER, "")
    if not header or len(header) > MAX_SIGNATURE_HEADER_LENGTH:
        raise SignatureRejected("Stripe-Signature is missing or too long")
    timestamp: int | None = None
    signatures: list[bytes] = []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                raise SignatureRejected("Stripe-Signature has no valid timestamp") from None
        elif key == "v1":
            signatures.append(value.encode())
    if timestamp is None or not signatures:
        raise SignatureRejected("Stripe-Signature needs t= and at least one v1=")
    _check_fresh(timestamp, source.tolerance_seconds, now)
    signed = f"{timestamp}.".encode() + body
    for secret in source.secrets:
        expected = _hmac_sha256(secret.get_secret_value(), signed).hex().encode()
        # Every candidate is compared (no early exit on the first byte of any of them).
        if any(hmac.compare_digest(expected, candidate) for candidate in signatures):
            return
    raise SignatureRejected("no signature matches")


def verify_hmac_base64(source: WebhookSource, body: bytes, headers: Mapping[str, str]) -> None:
    assert source.signature_header is not None  # the source's validator makes sure
    presented = headers.get(source.signature_header.lower(), "").strip().encode()
    if not presented or len(presented) > MAX_SIGNATURE_HEADER_LENGTH:
        raise SignatureRejected(f"{source.signature_header} is missing or too long")
    for secret in source.secrets:
        expected = base64.b64encode(_hmac_sha256(secret.get_secret_value(), body))
        if hmac.compare_digest(expected, presented):
            return
    raise SignatureRejected("no signature matches")


def verify_signature(
    source: WebhookSource, body: bytes, headers: Mapping[str, str], *, now: float | None = None
) -> str | None:
    """Raise SignatureRejected unless a secret of the source signed this body.

    `headers` have lower-case names. Returns the delivery's id when the scheme carries one in
    a header (webhook-id); the other schemes carry it in the payload."""
    now = time.time() if now is None else now
    if source.scheme == "standard":
        return verify_standard(source, body, headers)
    if source.scheme == "stripe":
        verify_stripe(source, body, headers, now)
        return None
    verify_hmac_base64(source, body, headers)
    return None
