"""The support list (GET /v1/webhooks/deliveries) and replay of parked or rejected deliveries."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.webhooks.models import DeliveryState, WebhookDelivery
from invoicing.webhooks.signing import standard_headers, stripe_headers
from receivables_shared.auth.keys import Scope
from receivables_shared.testing.helpers import api_key_headers
from receivables_shared.testing.pagination import (
    assert_bad_cursors_are_422_naming_cursor,
    assert_limit_is_bounded,
    page_through,
)
from services.invoicing.tests.webhooks.samples import (
    STANDARD_SECRET,
    STRIPE_SECRET,
    encode,
    standard_payload,
    stripe_event,
)

LIST = "/v1/webhooks/deliveries"


async def deliver(client: httpx.AsyncClient, webhook_id: str, **changes: object) -> str:
    body = encode(standard_payload(**changes))
    headers = standard_headers(STANDARD_SECRET, body, webhook_id=webhook_id)
    response = await client.post(
        "/v1/webhooks/payments/bank-standard", content=body, headers=headers
    )
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


async def deliver_stripe(client: httpx.AsyncClient, event_id: str) -> str:
    body = encode(stripe_event(event_id))
    response = await client.post(
        "/v1/webhooks/payments/stripe", content=body, headers=stripe_headers(STRIPE_SECRET, body)
    )
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


async def test_the_list_shows_state_reason_and_timestamps(client: httpx.AsyncClient) -> None:
    good = await deliver(client, "msg_good")
    bad = await deliver(client, "msg_bad", amount="-1.00")

    items = (await client.get(LIST)).json()["items"]

    by_id = {item["id"]: item for item in items}
    assert by_id[good]["state"] == "received" and by_id[good]["reason"] is None
    assert by_id[bad]["state"] == "rejected"
    assert "must be positive" in by_id[bad]["reason"]
    assert by_id[good]["event_id"] == "msg_good" and by_id[good]["source"] == "bank-standard"
    assert by_id[good]["payment"]["currency"] == "EUR"
    assert {"received_at", "updated_at", "next_attempt_at", "attempts"} <= set(by_id[good])
    assert "body" not in by_id[good]


async def test_the_list_filters_by_state_and_source(client: httpx.AsyncClient) -> None:
    good = await deliver(client, "msg_1")
    bad = await deliver(client, "msg_2", currency="XYZ")
    stripe = await deliver_stripe(client, "evt_1")

    rejected = (await client.get(LIST, params={"state": "rejected"})).json()["items"]
    from_stripe = (await client.get(LIST, params={"source": "stripe"})).json()["items"]
    both = (await client.get(LIST, params={"state": "received", "source": "bank-standard"})).json()

    assert [item["id"] for item in rejected] == [bad]
    assert [item["id"] for item in from_stripe] == [stripe]
    assert [item["id"] for item in both["items"]] == [good]


async def test_a_bad_state_filter_is_422_naming_it(client: httpx.AsyncClient) -> None:
    response = await client.get(LIST, params={"state": "lost"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "state"


async def test_paging_returns_every_delivery_once(client: httpx.AsyncClient) -> None:
    ids = [await deliver(client, f"msg_{n}") for n in range(7)]
    inserted: list[str] = []

    async def insert_one() -> None:
        inserted.append(await deliver(client, f"late_{len(inserted)}"))

    items = await page_through(client, LIST, limit=3, between_pages=insert_one)

    seen = [item["id"] for item in items]
    assert len(seen) == len(set(seen))
    assert set(ids) <= set(seen)
    await assert_bad_cursors_are_422_naming_cursor(
        client, LIST, list_name="webhook-deliveries", key_size=2
    )
    await assert_limit_is_bounded(client, LIST)


async def test_the_list_needs_the_read_scope(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    headers = await api_key_headers(session, Scope.WRITE)

    response = await client.get(LIST, headers=headers)

    assert response.status_code == 403


async def test_replay_puts_a_rejected_delivery_back_to_received(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    delivery_id = await deliver(client, "msg_bad", currency="XYZ")

    response = await client.post(f"{LIST}/{delivery_id}/replay")

    assert response.status_code == 200, response.text
    assert response.json()["state"] == "received" and response.json()["reason"] is None
    delivery = await session.get(WebhookDelivery, uuid.UUID(delivery_id))
    assert delivery is not None and delivery.next_attempt_at is not None


async def test_replay_puts_a_parked_delivery_back_to_received(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    delivery_id = await deliver(client, "msg_parked")
    delivery = await session.scalar(
        select(WebhookDelivery).where(WebhookDelivery.id == uuid.UUID(delivery_id))
    )
    assert delivery is not None
    delivery.state, delivery.reason = DeliveryState.PARKED, "allocation not available"
    await session.flush()

    response = await client.post(f"{LIST}/{delivery_id}/replay")

    assert response.json()["state"] == "received"


async def test_replay_of_a_delivery_still_to_apply_is_409_and_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    delivery_id = await deliver(client, "msg_new")

    response = await client.post(f"{LIST}/{delivery_id}/replay")

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert "received" in response.json()["detail"]


async def test_replay_of_an_unknown_delivery_is_404(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{LIST}/{uuid.uuid4()}/replay")

    assert response.status_code == 404


async def test_replay_needs_the_write_scope(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    delivery_id = await deliver(client, "msg_bad", currency="XYZ")
    headers = await api_key_headers(session, Scope.READ)

    response = await client.post(f"{LIST}/{delivery_id}/replay", headers=headers)

    assert response.status_code == 403
