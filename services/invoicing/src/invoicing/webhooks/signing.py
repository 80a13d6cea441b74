"""The sender's side of each scheme: what a source does to sign a delivery.

For the dev stack's `webhook send`, the benchmark and tests; the platform only verifies
(signatures.py). Standard Webhooks signing is the `standardwebhooks` package's own.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook


def new_standard_secret() -> str:
    """A Standard Webhooks secret: "whsec_" and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def standard_headers(
    secret: str, body: bytes, *, webhook_id: str, timestamp: float | None = None
) -> dict[str, str]:
    moment = time.time() if timestamp is None else timestamp
    signature = Webhook(secret).sign(webhook_id, datetime.fromtimestamp(moment, UTC), body.decode())
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(moment)),
        "webhook-signature": signature,
        "content-type": "application/json",
    }


def stripe_headers(secret: str, body: bytes, *, timestamp: float | None = None) -> dict[str, str]:
    moment = int(time.time() if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"{moment}.".encode() + body, hashlib.sha256).hexdigest()
    return {"stripe-signature": f"t={moment},v1={digest}", "content-type": "application/json"}


def hmac_base64_headers(secret: str, body: bytes, *, header: str) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return {header: base64.b64encode(digest).decode(), "content-type": "application/json"}
