"""POST /v1/webhooks/payments/{source} through the app: verify, store once, acknowledge."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.webhooks.models import WebhookDelivery
from invoicing.webhooks.signing import hmac_base64_headers, standard_headers, stripe_headers
from services.invoicing.tests.webhooks.samples import (
    QUICKBOOKS_SECRET,
    STANDARD_OLD_SECRET,
    STANDARD_SECRET,
    STRIPE_SECRET,
    encode,
    quickbooks_notification,
    standard_payload,
    stripe_event,
)

STANDARD_URL = "/v1/webhooks/payments/bank-standard"


async def stored(session: AsyncSession) -> list[WebhookDelivery]:
    return list((await session.scalars(select(WebhookDelivery))).all())


async def post_standard(
    client: httpx.AsyncClient,
    payload: object,
    *,
    webhook_id: str = "msg_2f9f1",
    secret: str = STANDARD_SECRET,
    timestamp: float | None = None,
) -> httpx.Response:
    body = encode(payload)
    headers = standard_headers(secret, body, webhook_id=webhook_id, timestamp=timestamp)
    return await client.post(STANDARD_URL, content=body, headers=headers)


async def test_a_signed_standard_delivery_is_stored_and_acknowledged_202(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    client.headers.pop("Authorization")  # a sender has no API key: the signature is its proof

    response = await post_standard(client, standard_payload())

    assert response.status_code == 202, response.text
    ack = response.json()
    assert ack["state"] == "received" and ack["duplicate"] is False
    [delivery] = await stored(session)
    assert (delivery.source, delivery.event_id, delivery.state) == (
        "bank-standard",
        "msg_2f9f1",
        "received",
    )
    assert delivery.payment is not None
    assert delivery.payment["amount"] == "1210.50"
    assert delivery.payment["invoice_numbers"] == ["INV-2026-000017"]
    assert str(delivery.id) == ack["id"]


async def test_the_same_webhook_id_twice_is_stored_once_and_202_again(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    first = await post_standard(client, standard_payload())
    again = await post_standard(client, standard_payload())

    assert again.status_code == 202
    assert again.json() == {**first.json(), "duplicate": True}
    assert len(await stored(session)) == 1


async def test_rotated_secret_is_accepted(client: httpx.AsyncClient, session: AsyncSession) -> None:
    response = await post_standard(client, standard_payload(), secret=STANDARD_OLD_SECRET)

    assert response.status_code == 202
    assert len(await stored(session)) == 1


@pytest.mark.parametrize("case", ["tampered", "wrong secret", "stale", "future", "no signature"])
async def test_a_bad_signature_is_401_problem_and_stores_nothing(
    client: httpx.AsyncClient, session: AsyncSession, case: str
) -> None:
    body = encode(standard_payload())
    secret = "whsec_" + "A" * 43 if case == "wrong secret" else STANDARD_SECRET
    shift = {"stale": -400, "future": 400}.get(case, 0)
    headers = standard_headers(secret, body, webhook_id="msg_x", timestamp=time.time() + shift)
    if case == "tampered":
        body = body.replace(b"1210.50", b"9210.50")
    if case == "no signature":
        del headers["webhook-signature"]

    response = await client.post(STANDARD_URL, content=body, headers=headers)

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Signature")
    assert "signature" in response.json()["detail"]
    assert await stored(session) == []


async def test_stripe_event_is_keyed_by_its_event_id(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    body = encode(stripe_event("evt_A"))
    url = "/v1/webhooks/payments/stripe"

    first = await client.post(url, content=body, headers=stripe_headers(STRIPE_SECRET, body))
    # Stripe retries with a new timestamp, so a new signature: still the same delivery.
    again = await client.post(url, content=body, headers=stripe_headers(STRIPE_SECRET, body))

    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json()["duplicate"] is True
    [delivery] = await stored(session)
    assert delivery.event_id == "evt_A"
    assert delivery.payment is not None and delivery.payment["amount"] == "1210.50"


async def test_stripe_bad_signature_is_401(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    body = encode(stripe_event())
    headers = stripe_headers("whsec_wrong", body)

    response = await client.post("/v1/webhooks/payments/stripe", content=body, headers=headers)

    assert response.status_code == 401
    assert await stored(session) == []


async def test_quickbooks_notification_is_stored_with_the_payment(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    body = encode(quickbooks_notification())
    headers = hmac_base64_headers(QUICKBOOKS_SECRET, body, header="intuit-signature")

    response = await client.post("/v1/webhooks/payments/quickbooks", content=body, headers=headers)

    assert response.status_code == 202, response.text
    [delivery] = await stored(session)
    assert delivery.event_id == "9130349876543210:Payment:145:Create:2026-03-02T09:00:00.000Z"
    assert delivery.payment is not None and delivery.payment["amount"] == "1210.5"


async def test_quickbooks_tampered_body_is_401(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    body = encode(quickbooks_notification())
    headers = hmac_base64_headers(QUICKBOOKS_SECRET, body, header="intuit-signature")

    response = await client.post(
        "/v1/webhooks/payments/quickbooks",
        content=body.replace(b"1210.5", b"12.5"),
        headers=headers,
    )

    assert response.status_code == 401
    assert await stored(session) == []


async def test_unknown_source_is_404_problem(client: httpx.AsyncClient) -> None:
    body = encode(standard_payload())
    headers = standard_headers(STANDARD_SECRET, body, webhook_id="msg_1")

    response = await client.post("/v1/webhooks/payments/nobody", content=body, headers=headers)

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_wrong_content_type_is_415_naming_the_header(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    body = encode(standard_payload())
    headers = {
        **standard_headers(STANDARD_SECRET, body, webhook_id="msg_1"),
        "content-type": "text/plain",
    }

    response = await client.post(STANDARD_URL, content=body, headers=headers)

    assert response.status_code == 415
    assert response.json()["errors"][0]["field"] == "Content-Type"
    assert await stored(session) == []


async def test_a_huge_body_is_413_before_it_is_read(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    payload = standard_payload(reference="x" * (300 * 1024))

    response = await post_standard(client, payload)

    assert response.status_code == 413
    assert await stored(session) == []


async def test_a_huge_chunked_body_is_413_as_it_streams(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(100):
            yield b"x" * 4096

    headers = standard_headers(STANDARD_SECRET, b"{}", webhook_id="msg_1")

    response = await client.post(STANDARD_URL, content=chunks(), headers=headers)

    assert response.status_code == 413
    assert await stored(session) == []


async def test_malformed_json_with_a_valid_signature_is_stored_rejected_and_acknowledged(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    body = b'{"type": "payment.received", "data": {'
    headers = standard_headers(STANDARD_SECRET, body, webhook_id="msg_broken")

    response = await client.post(STANDARD_URL, content=body, headers=headers)

    assert response.status_code == 202
    assert response.json()["state"] == "rejected"
    [delivery] = await stored(session)
    assert delivery.state == "rejected" and delivery.reason is not None
    assert delivery.reason.startswith("the body is not valid JSON")
    assert delivery.body == body  # kept exactly as signed, for support and replay


async def test_malformed_stripe_json_is_keyed_by_the_body_hash_and_stored_once(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    body = b"{not json"
    url = "/v1/webhooks/payments/stripe"

    for _ in range(2):
        response = await client.post(url, content=body, headers=stripe_headers(STRIPE_SECRET, body))
        assert response.status_code == 202

    [delivery] = await stored(session)
    assert delivery.event_id.startswith("sha256:") and delivery.state == "rejected"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"amount": None}, "data.amount is missing"),
        ({"amount": "-10.00"}, "data.amount must be positive"),
        ({"amount": 10.5}, "not a JSON number"),
        ({"amount": "10.555"}, "more decimals than EUR"),
        ({"currency": "XYZ"}, "data.currency 'XYZ' is not the ISO 4217 code"),
        ({"received_on": "yesterday"}, "data.received_on"),
        ({"payer_iban": "LV00BANK0000435195001"}, "not a valid IBAN"),
    ],
)
async def test_a_payload_the_adapter_cannot_map_is_a_rejected_delivery_with_the_reason(
    client: httpx.AsyncClient, session: AsyncSession, changes: dict[str, object], reason: str
) -> None:
    response = await post_standard(client, standard_payload(**changes))

    assert response.status_code == 202
    assert response.json()["state"] == "rejected"
    assert reason in response.json()["reason"]
    [delivery] = await stored(session)
    assert delivery.state == "rejected" and delivery.next_attempt_at is None


async def test_the_gate_still_guards_everything_else(client: httpx.AsyncClient) -> None:
    client.headers.pop("Authorization")

    response = await client.get("/v1/webhooks/deliveries")

    assert response.status_code == 401


async def test_deliveries_of_two_sources_are_counted_apart(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    # The same id from two sources is two deliveries: the key is (source, event id).
    body = encode(stripe_event("msg_same"))
    await client.post(
        "/v1/webhooks/payments/stripe", content=body, headers=stripe_headers(STRIPE_SECRET, body)
    )
    await post_standard(client, standard_payload(), webhook_id="msg_same")

    count = await session.scalar(select(func.count()).select_from(WebhookDelivery))
    assert count == 2


async def test_openapi_declares_the_signature_schemes(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()

    operation = document["paths"]["/v1/webhooks/payments/{source}"]["post"]
    assert {name for item in operation["security"] for name in item} == {
        "StandardWebhookSignature",
        "StripeSignature",
        "HmacBase64Signature",
    }
    assert "202" in operation["responses"] and "413" in operation["responses"]
    assert json.dumps(operation["requestBody"])  # the body is documented as JSON
