"""Sources come from INVOICING_WEBHOOK_SOURCES: JSON text, or a .json or .toml file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from invoicing.settings import Settings
from invoicing.webhooks.sources import load_sources
from services.invoicing.tests.webhooks.samples import SOURCES, SOURCES_JSON, STANDARD_SECRET

TOML = f"""
[[sources]]
name = "bank-standard"
scheme = "standard"
secrets = ["{STANDARD_SECRET}"]
adapter = "standard"

[[sources]]
name = "xero"
scheme = "hmac-base64"
secrets = ["xero-webhook-key"]
adapter = "quickbooks"
signature_header = "x-xero-signature"
"""


def test_json_text_and_json_file_give_the_same_sources(tmp_path: Path) -> None:
    path = tmp_path / "sources.json"
    path.write_text(json.dumps({"sources": SOURCES}))

    assert load_sources(SOURCES_JSON) == load_sources(str(path))
    assert set(load_sources(SOURCES_JSON)) == {"bank-standard", "stripe", "quickbooks"}


def test_toml_file(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(TOML)

    sources = load_sources(str(path))

    assert sources["xero"].signature_header == "x-xero-signature"
    assert sources["bank-standard"].secrets[0].get_secret_value() == STANDARD_SECRET


@pytest.mark.parametrize(
    ("sources", "expected"),
    [
        ([{**SOURCES[0], "secrets": []}], "secrets"),
        ([{**SOURCES[0], "secrets": ["not-a-whsec-secret!"]}], "is not 'whsec_<base64>'"),
        ([{**SOURCES[2], "signature_header": None}], "needs signature_header"),
        ([{**SOURCES[1], "scheme": "md5"}], "scheme"),
        ([{**SOURCES[1], "adapter": "paypal"}], "adapter"),
        ([SOURCES[1], SOURCES[1]], "configured twice"),
    ],
)
def test_a_bad_configuration_stops_the_service_and_names_what_is_wrong(
    sources: list[dict[str, object]], expected: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(webhook_sources=json.dumps(sources))

    assert expected in str(caught.value)


def test_secrets_never_appear_in_errors_or_reprs() -> None:
    secret = "whsec_c2VjcmV0LXRoYXQtbXVzdC1ub3QtbGVhaw=="
    bad = [{**SOURCES[0], "secrets": [secret], "scheme": "nonsense"}]

    with pytest.raises(ValidationError) as caught:
        Settings(webhook_sources=json.dumps(bad))

    assert "c2VjcmV0" not in str(caught.value)
    assert STANDARD_SECRET not in repr(load_sources(SOURCES_JSON))


def test_a_missing_file_is_refused() -> None:
    with pytest.raises(ValidationError, match="is not a file"):
        Settings(webhook_sources="/nowhere/sources.json")
