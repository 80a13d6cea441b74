from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.security import APIKeyHeader

from invoicing.dependencies import (
    ClockDep,
    ReadKeyDep,
    SessionDep,
    SettingsDep,
    WriteKeyDep,
)
from invoicing.webhooks import service
from invoicing.webhooks.models import DeliveryState
from invoicing.webhooks.schemas import DeliveryAck, DeliveryFilters, DeliveryPage, DeliveryRead
from invoicing.webhooks.sources import SourceName, load_sources
from receivables_shared.http.dependencies import without_transaction
from receivables_shared.http.problems import ProblemError, is_json_content_type
from receivables_shared.pagination import PageRequestDep

router = APIRouter(prefix="/webhooks", tags=["webhooks"])

#: Payment notifications are small; anything larger is not one (413 before it is read).
MAX_WEBHOOK_BODY_BYTES = 256 * 1024

# The route is outside the API-key gate (authentication.PUBLIC_PREFIXES): a sender proves
# itself by signing the body. Declared as security schemes so the OpenAPI says so; the
# signature itself is checked in the service, over the raw body.
standard_signature = APIKeyHeader(
    name="webhook-signature",
    scheme_name="StandardWebhookSignature",
    description="Standard Webhooks: webhook-id, webhook-timestamp and webhook-signature "
    '("v1,<base64 HMAC-SHA256>" list), 5 minutes tolerance. See docs/webhooks.md.',
    auto_error=False,
)
stripe_signature = APIKeyHeader(
    name="Stripe-Signature",
    scheme_name="StripeSignature",
    description='Stripe-style: "t=<unix>,v1=<hex HMAC-SHA256 of t.body>".',
    auto_error=False,
)
hmac_signature = APIKeyHeader(
    name="intuit-signature",
    scheme_name="HmacBase64Signature",
    description="QuickBooks/Xero-style: base64 HMAC-SHA256 of the body, in the header the "
    "source names (intuit-signature, x-xero-signature).",
    auto_error=False,
)

SOURCE_PATH = Path(
    max_length=64, description="The configured source, e.g. bank-standard, stripe, quickbooks."
)


@router.post(
    "/payments/{source}",
    status_code=202,
    response_model=DeliveryAck,
    max_body_size=MAX_WEBHOOK_BODY_BYTES,
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The sender's JSON payload, exactly as it was signed.",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
    responses={401: {"description": "Missing, bad, stale or future signature."}},
)
async def receive_payment_webhook(
    source: Annotated[str, SOURCE_PATH],
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    _standard: Annotated[str | None, Depends(standard_signature)],
    _stripe: Annotated[str | None, Depends(stripe_signature)],
    _hmac: Annotated[str | None, Depends(hmac_signature)],
) -> DeliveryAck:
    """Verify the signature on the raw body, store the delivery once, acknowledge at once.

    A genuine delivery whose payload cannot be read is stored as rejected and still
    acknowledged (202, state `rejected`): the sender retrying the same bytes cannot help."""
    webhook_source = service.source_named(load_sources(settings.webhook_sources), source)
    content_type = request.headers.get("content-type")
    if not is_json_content_type(content_type):
        raise ProblemError(
            415,
            "A webhook must be sent as JSON (Content-Type: application/json); "
            + (f"it was sent as {content_type}." if content_type else "it had no Content-Type."),
            field="Content-Type",
            location="header",
        )
    body = await request.body()
    # One insert-if-absent (and, for a duplicate, one read): each stands alone, so no
    # BEGIN/COMMIT round trips on the acknowledgement's hot path (docs/benchmarks.md).
    await without_transaction(session)
    return await service.receive_delivery(
        session, clock, webhook_source, body, request.headers, settings.business_zone
    )


@router.get("/deliveries", response_model=DeliveryPage)
async def list_deliveries(
    session: SessionDep,
    _: ReadKeyDep,
    page: PageRequestDep,
    state: Annotated[
        DeliveryState | None, Query(description="Only deliveries in this state.")
    ] = None,
    source: Annotated[SourceName | None, Query(description="Only this source's.")] = None,
) -> DeliveryPage:
    """What came in by webhook, oldest first, with its state and why it is parked or rejected."""
    deliveries, next_cursor = await service.list_deliveries(
        session, page, DeliveryFilters(state=state, source=source)
    )
    items = [DeliveryRead.model_validate(d) for d in deliveries]
    return DeliveryPage(items=items, next_cursor=next_cursor)


@router.post(
    "/deliveries/{delivery_id}/replay",
    response_model=DeliveryRead,
    responses={409: {"description": "The delivery is not parked or rejected."}},
)
async def replay_delivery(
    delivery_id: uuid.UUID, session: SessionDep, clock: ClockDep, _: WriteKeyDep
) -> DeliveryRead:
    """Put a parked or rejected delivery back to received; the worker tries it again."""
    return DeliveryRead.model_validate(await service.replay_delivery(session, clock, delivery_id))
