"""`make run`'s sources file: one source per scheme that invoicing accepts, kept across runs."""

from __future__ import annotations

import json
import stat
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from invoicing.webhooks.adapters import adapter_named, parse_json
from invoicing.webhooks.signatures import verify_signature
from invoicing.webhooks.sources import load_sources
from receivables_shared.devstack.webhooks import (
    dev_webhook_sources,
    payment_payload,
    signed_request,
    source_secret,
)


def test_one_source_per_scheme_with_owner_only_secrets(tmp_path: Path) -> None:
    path = dev_webhook_sources(tmp_path / "var")

    sources = load_sources(str(path))

    assert {s.name: s.scheme for s in sources.values()} == {
        "bank-standard": "standard",
        "stripe": "stripe",
        "quickbooks": "hmac-base64",
    }
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_secrets_are_kept_across_runs(tmp_path: Path) -> None:
    first = dev_webhook_sources(tmp_path).read_text()

    assert dev_webhook_sources(tmp_path).read_text() == first
    assert json.loads(first)["sources"][0]["secrets"][0].startswith("whsec_")


def test_what_webhook_send_signs_verifies_and_maps(tmp_path: Path) -> None:
    path = dev_webhook_sources(tmp_path)
    source = load_sources(str(path))["bank-standard"]
    payload = payment_payload(
        amount="120.50", currency="EUR", received_on=date(2026, 3, 2), invoice_numbers=["INV-1"]
    )

    body, headers = signed_request(source_secret(path, "bank-standard"), payload)

    assert verify_signature(source, body, headers) == headers["webhook-id"]
    payment = adapter_named("standard").payment(
        parse_json(body), source="bank-standard", zone=ZoneInfo("UTC")
    )
    assert str(payment.amount) == "120.50" and payment.invoice_numbers == ("INV-1",)
