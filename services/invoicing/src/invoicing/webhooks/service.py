"""Intake (verify, store once, acknowledge), the support list and replay."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.webhooks.adapters import (
    IncomingPayment,
    PayloadRejected,
    adapter_named,
    body_digest,
    parse_json,
)
from invoicing.webhooks.models import DeliveryState, WebhookDelivery
from invoicing.webhooks.repository import DeliveryRepository
from invoicing.webhooks.schemas import DeliveryAck, DeliveryFilters
from invoicing.webhooks.signatures import SignatureRejected, verify_signature
from invoicing.webhooks.sources import WebhookSource
from receivables_shared.clock import Clock
from receivables_shared.http.problems import NotFound, ProblemError, ProblemType
from receivables_shared.pagination import PageRequest

#: Answered with a 401 to a delivery whose signature does not verify (RFC 9110 asks for one).
SIGNATURE_CHALLENGE = 'Signature realm="webhooks"'
REPLAYABLE = (DeliveryState.PARKED, DeliveryState.REJECTED)


def source_named(sources: Mapping[str, WebhookSource], name: str) -> WebhookSource:
    source = sources.get(name)
    if source is None:
        raise ProblemError(404, f"No webhook source is named {name[:64]!r}.")
    return source


def read_payment(source: WebhookSource, body: bytes, zone: ZoneInfo) -> IncomingPayment:
    """The payment the source's adapter reads from the raw body; PayloadRejected if none."""
    adapter = adapter_named(source.adapter)
    return adapter.payment(parse_json(body), source=source.name, zone=zone)


def _event_id(source: WebhookSource, body: bytes, header_id: str | None) -> str:
    if header_id is not None:
        return header_id[:255]
    try:
        found = adapter_named(source.adapter).event_id(parse_json(body))
    except PayloadRejected:
        found = None
    # A payload without an id (or no JSON at all) is keyed by its bytes: a resend is the same.
    return found[:255] if found else body_digest(body)


async def receive_delivery(
    session: AsyncSession,
    clock: Clock,
    source: WebhookSource,
    body: bytes,
    headers: Mapping[str, str],
    zone: ZoneInfo,
) -> DeliveryAck:
    """Store a genuine delivery once and say so (`duplicate` when it had been stored before).

    Nothing is parsed before the signature is verified. A genuine delivery whose payload
    cannot be read is stored as rejected, with the reason, for support to see."""
    try:
        header_id = verify_signature(source, body, headers)
    except SignatureRejected as error:
        raise ProblemError(
            401,
            f"The webhook signature is not valid: {error.reason}.",
            headers={"WWW-Authenticate": SIGNATURE_CHALLENGE},
        ) from None
    event_id = _event_id(source, body, header_id)
    now = clock.now()
    values: dict[str, object] = {
        "id": uuid.uuid4(),
        "source": source.name,
        "event_id": event_id,
        "body": body,
        "attempts": 0,
        "received_at": now,
        "updated_at": now,
    }
    try:
        payment = read_payment(source, body, zone)
    except PayloadRejected as error:
        values |= {"state": DeliveryState.REJECTED, "reason": error.reason, "payment": None}
        values["next_attempt_at"] = None
    else:
        values |= {"state": DeliveryState.RECEIVED, "reason": None, "payment": payment.to_json()}
        values["next_attempt_at"] = now
    repository = DeliveryRepository(session)
    if await repository.add_if_absent(values) is not None:
        return DeliveryAck.model_validate(values | {"duplicate": False})
    stored = await repository.get_by_event(source.name, event_id)
    assert stored is not None  # the conflict was with this row
    return DeliveryAck(id=stored.id, state=stored.state, reason=stored.reason, duplicate=True)


async def list_deliveries(
    session: AsyncSession, page: PageRequest, filters: DeliveryFilters
) -> tuple[list[WebhookDelivery], str | None]:
    return await DeliveryRepository(session).page(page, filters)


async def replay_delivery(
    session: AsyncSession, clock: Clock, delivery_id: uuid.UUID
) -> WebhookDelivery:
    """Back to received: the worker maps the stored body again and applies it."""
    delivery = await DeliveryRepository(session).get(delivery_id, for_update=True)
    if delivery is None:
        raise NotFound("Webhook delivery", delivery_id)
    if delivery.state not in REPLAYABLE:
        raise ProblemError(
            409,
            f"Webhook delivery {delivery_id} is {delivery.state}; only a parked or rejected"
            " delivery can be replayed.",
            type_=ProblemType.CONFLICT,
        )
    now = clock.now()
    delivery.state = DeliveryState.RECEIVED
    delivery.reason = None
    delivery.next_attempt_at = now
    delivery.updated_at = now
    return delivery
