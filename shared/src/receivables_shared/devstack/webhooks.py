"""Payment webhooks on the local platform: one source per signature scheme, and a sender.

`make run` writes var/webhook-sources.json once (random secrets, kept across runs) and points
invoicing at it (INVOICING_WEBHOOK_SOURCES); `webhook send` posts a signed Standard Webhooks
delivery to the running platform, as a bank or accounting system would (docs/webhooks.md).
"""

from __future__ import annotations

import base64
import json
import secrets
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
from standardwebhooks.webhooks import Webhook

SOURCES_FILE = "webhook-sources.json"
STANDARD_SOURCE = "bank-standard"


def _sources() -> list[dict[str, Any]]:
    return [
        {
            "name": STANDARD_SOURCE,
            "scheme": "standard",
            "secrets": ["whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()],
            "adapter": "standard",
        },
        {
            "name": "stripe",
            "scheme": "stripe",
            "secrets": ["whsec_" + secrets.token_hex(24)],
            "adapter": "stripe",
        },
        {
            "name": "quickbooks",
            "scheme": "hmac-base64",
            "secrets": [secrets.token_urlsafe(32)],
            "adapter": "quickbooks",
            "signature_header": "intuit-signature",
        },
    ]


def dev_webhook_sources(var_dir: Path) -> Path:
    """The sources file under var/, created with new secrets the first time (owner-only)."""
    path = var_dir / SOURCES_FILE
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(json.dumps({"sources": _sources()}, indent=2) + "\n")
    return path.resolve()


def source_secret(path: Path, source: str) -> str:
    """The first (current) secret of a Standard Webhooks source in the file."""
    document = json.loads(path.read_text())
    for entry in document["sources"]:
        if entry["name"] == source:
            if entry["scheme"] != "standard":
                raise ValueError(f"{source!r} is a {entry['scheme']} source, not standard")
            return str(entry["secrets"][0])
    raise ValueError(f"{path} has no source {source!r}")


def payment_payload(
    *,
    amount: str,
    currency: str,
    received_on: date,
    reference: str | None = None,
    customer_external_id: str | None = None,
    invoice_numbers: list[str] | None = None,
    payer_name: str | None = None,
) -> dict[str, Any]:
    """The Standard Webhooks payload invoicing reads (the `standard` adapter)."""
    return {
        "type": "payment.received",
        "data": {
            "payment_id": f"pay_{uuid.uuid4().hex[:16]}",
            "amount": amount,
            "currency": currency,
            "received_on": received_on.isoformat(),
            "payer_name": payer_name,
            "reference": reference,
            "customer_external_id": customer_external_id,
            "invoice_numbers": invoice_numbers or [],
        },
    }


def signed_request(secret: str, payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """The body and the Standard Webhooks headers a sender sends."""
    body = json.dumps(payload).encode()
    webhook_id = f"msg_{uuid.uuid4().hex}"
    now = time.time()
    signature = Webhook(secret).sign(webhook_id, datetime.fromtimestamp(now, UTC), body.decode())
    headers = {
        "content-type": "application/json",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(now)),
        "webhook-signature": signature,
    }
    return body, headers


def send_webhook(
    invoicing_url: str, source: str, secret: str, payload: dict[str, Any]
) -> httpx.Response:
    body, headers = signed_request(secret, payload)
    url = f"{invoicing_url}/v1/webhooks/payments/{source}"
    return httpx.post(url, content=body, headers=headers, timeout=10)
