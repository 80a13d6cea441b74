"""Each scheme over the raw body: valid, tampered, wrong secret, stale, future, rotated."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import time

import hypothesis
import pytest
from hypothesis import strategies as st
from pydantic import SecretStr

from invoicing.webhooks.signatures import SignatureRejected, verify_signature
from invoicing.webhooks.signing import hmac_base64_headers, standard_headers, stripe_headers
from invoicing.webhooks.sources import WebhookSource, load_sources
from services.invoicing.tests.webhooks.samples import (
    QUICKBOOKS_SECRET,
    SOURCES_JSON,
    STANDARD_OLD_SECRET,
    STANDARD_SECRET,
    STRIPE_SECRET,
    encode,
    standard_payload,
    stripe_event,
)

SOURCES = load_sources(SOURCES_JSON)
STANDARD, STRIPE, QUICKBOOKS = SOURCES["bank-standard"], SOURCES["stripe"], SOURCES["quickbooks"]
BODY = encode(standard_payload())
SIX_MINUTES = 360


def rejected(source: WebhookSource, body: bytes, headers: dict[str, str], **kw: float) -> str:
    with pytest.raises(SignatureRejected) as caught:
        verify_signature(source, body, headers, **kw)
    return caught.value.reason


# --- Standard Webhooks --------------------------------------------------------------------


def test_standard_valid_returns_the_webhook_id() -> None:
    headers = standard_headers(STANDARD_SECRET, BODY, webhook_id="msg_1")

    assert verify_signature(STANDARD, BODY, headers) == "msg_1"


def test_standard_spec_vector_signature_is_what_we_check() -> None:
    # The test vector of the Standard Webhooks specification, signed now (the package checks
    # freshness against the wall clock): the same bytes, the same key.
    body = b'{"test": 2432232314}'
    now = int(time.time())
    key = base64.b64decode(STANDARD_SECRET.removeprefix("whsec_"))
    expected = hmac.new(key, f"msg_p5jXN8AQM9LWM0D4loKWxJek.{now}.".encode() + body, "sha256")
    headers = {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": str(now),
        "webhook-signature": "v1," + base64.b64encode(expected.digest()).decode(),
    }

    assert verify_signature(STANDARD, body, headers) == "msg_p5jXN8AQM9LWM0D4loKWxJek"


def test_standard_tampered_body_is_refused() -> None:
    headers = standard_headers(STANDARD_SECRET, BODY, webhook_id="msg_1")

    assert "no matching signature" in rejected(STANDARD, BODY.replace(b"1210", b"9210"), headers)


def test_standard_wrong_secret_is_refused() -> None:
    other = "whsec_" + base64.b64encode(b"x" * 32).decode()
    headers = standard_headers(other, BODY, webhook_id="msg_1")

    assert "no matching signature" in rejected(STANDARD, BODY, headers)


def test_standard_rotated_secret_still_verifies() -> None:
    headers = standard_headers(STANDARD_OLD_SECRET, BODY, webhook_id="msg_1")

    assert verify_signature(STANDARD, BODY, headers) == "msg_1"


def test_standard_one_of_several_signatures_is_enough() -> None:
    good = standard_headers(STANDARD_SECRET, BODY, webhook_id="msg_1")
    other = "v1," + base64.b64encode(b"y" * 32).decode()
    headers = {**good, "webhook-signature": f"{other} {good['webhook-signature']}"}

    assert verify_signature(STANDARD, BODY, headers) == "msg_1"


@pytest.mark.parametrize(("shift", "word"), [(-SIX_MINUTES, "too old"), (SIX_MINUTES, "too new")])
def test_standard_stale_and_future_timestamps_are_refused(shift: int, word: str) -> None:
    headers = standard_headers(
        STANDARD_SECRET, BODY, webhook_id="msg_1", timestamp=time.time() + shift
    )

    assert word in rejected(STANDARD, BODY, headers)


@pytest.mark.parametrize(
    "change",
    [
        {"webhook-signature": ""},
        {"webhook-id": ""},
        {"webhook-timestamp": "yesterday"},
        {"webhook-signature": "v1"},  # no comma
        {"webhook-signature": "v1,not base64!"},
        {"webhook-signature": "v1," + "A" * 5000},
    ],
)
def test_standard_missing_or_malformed_headers_are_refused(change: dict[str, str]) -> None:
    headers = {**standard_headers(STANDARD_SECRET, BODY, webhook_id="msg_1"), **change}

    rejected(STANDARD, BODY, headers)


def test_standard_body_that_is_not_utf8_is_refused_not_a_crash() -> None:
    body = b"\xff\xfe{}"
    headers = standard_headers(STANDARD_SECRET, b"{}", webhook_id="msg_1")

    rejected(STANDARD, body, headers)


# --- Stripe ---------------------------------------------------------------------------------

STRIPE_BODY = encode(stripe_event())


def test_stripe_valid_against_an_independent_computation() -> None:
    now = 1772442000
    digest = hmac.new(STRIPE_SECRET.encode(), f"{now}.".encode() + STRIPE_BODY, hashlib.sha256)
    headers = {"stripe-signature": f"t={now},v1={digest.hexdigest()},v0=ignored"}

    assert verify_signature(STRIPE, STRIPE_BODY, headers, now=now + 10) is None


def test_stripe_tampered_body_and_wrong_secret_are_refused() -> None:
    headers = stripe_headers(STRIPE_SECRET, STRIPE_BODY)

    rejected(STRIPE, STRIPE_BODY + b" ", headers)
    rejected(STRIPE, STRIPE_BODY, stripe_headers("whsec_other", STRIPE_BODY))


def test_stripe_any_of_several_v1_signatures_verifies() -> None:
    signed = stripe_headers(STRIPE_SECRET, STRIPE_BODY)["stripe-signature"]
    t, v1 = signed.split(",")
    headers = {"stripe-signature": f"{t},v1={'0' * 64},{v1}"}

    assert verify_signature(STRIPE, STRIPE_BODY, headers) is None


@pytest.mark.parametrize(("shift", "word"), [(-SIX_MINUTES, "too old"), (SIX_MINUTES, "future")])
def test_stripe_stale_and_future_timestamps_are_refused(shift: int, word: str) -> None:
    headers = stripe_headers(STRIPE_SECRET, STRIPE_BODY, timestamp=time.time() + shift)

    assert word in rejected(STRIPE, STRIPE_BODY, headers)


@pytest.mark.parametrize("header", ["", "v1=abc", "t=now,v1=abc", "t=1772442000"])
def test_stripe_malformed_header_is_refused(header: str) -> None:
    rejected(STRIPE, STRIPE_BODY, {"stripe-signature": header})


def test_stripe_rotated_secret_verifies() -> None:
    rotated = STRIPE.model_copy(update={"secrets": [SecretStr("whsec_new"), *STRIPE.secrets]})
    headers = stripe_headers(STRIPE_SECRET, STRIPE_BODY)

    assert verify_signature(rotated, STRIPE_BODY, headers) is None


# --- QuickBooks / Xero (hmac-base64) ----------------------------------------------------------


def test_hmac_base64_valid_tampered_and_wrong_secret() -> None:
    body = b'{"eventNotifications": []}'
    digest = hmac.new(QUICKBOOKS_SECRET.encode(), body, hashlib.sha256).digest()
    headers = {"intuit-signature": base64.b64encode(digest).decode()}

    assert verify_signature(QUICKBOOKS, body, headers) is None
    rejected(QUICKBOOKS, body + b"\n", headers)
    rejected(QUICKBOOKS, body, hmac_base64_headers("other", body, header="intuit-signature"))
    rejected(QUICKBOOKS, body, {})


def test_hmac_base64_reads_the_header_the_source_names() -> None:
    xero = load_sources(
        '[{"name": "xero", "scheme": "hmac-base64", "secrets": ["xero-key"],'
        ' "adapter": "quickbooks", "signature_header": "x-xero-signature"}]'
    )["xero"]
    body = b"{}"

    assert (
        verify_signature(
            xero, body, hmac_base64_headers("xero-key", body, header="x-xero-signature")
        )
        is None
    )
    rejected(xero, body, hmac_base64_headers("xero-key", body, header="intuit-signature"))


# --- whatever arrives: refused cleanly, never a crash (a 500) -------------------------------

HEADER_NAMES = st.sampled_from(
    ["webhook-id", "webhook-timestamp", "webhook-signature", "stripe-signature", "intuit-signature"]
)


@hypothesis.settings(max_examples=300, derandomize=True, database=None, deadline=None)
@hypothesis.given(
    source=st.sampled_from([STANDARD, STRIPE, QUICKBOOKS]),
    body=st.binary(max_size=200),
    headers=st.dictionaries(HEADER_NAMES, st.text(max_size=120), max_size=5),
)
def test_arbitrary_headers_and_bodies_are_refused_not_crashed(
    source: WebhookSource, body: bytes, headers: dict[str, str]
) -> None:
    with contextlib.suppress(SignatureRejected):
        verify_signature(source, body, headers)
