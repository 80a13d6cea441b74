"""Webhook sources are configuration: a name, a signature scheme, secrets and a payload adapter.

INVOICING_WEBHOOK_SOURCES holds either the JSON text itself (a list of sources, or an object
with a `sources` list) or the path of a `.json` or `.toml` file with the same content
(`[[sources]]` tables in TOML). docs/webhooks.md shows both.
"""

from __future__ import annotations

import base64
import binascii
import json
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    ValidationError,
    model_validator,
)

Scheme = Literal["standard", "stripe", "hmac-base64"]
AdapterName = Literal["standard", "stripe", "quickbooks"]
SourceName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")]
HeaderName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{1,100}$")]

#: Standard Webhooks' tolerance, used by the others too: a delivery signed longer ago (or
#: further in the future) than this is refused, so a captured request cannot be replayed later.
DEFAULT_TOLERANCE_SECONDS = 300


def _is_standard_secret(value: str) -> bool:
    """Strictly "whsec_" + base64 of 24 to 64 random bytes (the specification's range); the
    package itself would take any text and silently drop what is not base64."""
    if not value.startswith("whsec_"):
        return False
    encoded = value.removeprefix("whsec_")
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except binascii.Error:
        return False
    return 24 <= len(key) <= 64


class WebhookSource(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: SourceName
    scheme: Scheme
    #: Every secret verifies: add the new one, let the sender switch, then drop the old one.
    secrets: list[SecretStr] = Field(min_length=1, max_length=10)
    adapter: AdapterName
    #: hmac-base64 only: the header carrying the signature (intuit-signature, x-xero-signature).
    signature_header: HeaderName | None = None
    tolerance_seconds: int = Field(default=DEFAULT_TOLERANCE_SECONDS, ge=1, le=3600)

    @model_validator(mode="after")
    def _scheme_needs(self) -> Self:
        if self.scheme == "hmac-base64" and self.signature_header is None:
            raise ValueError(f"source {self.name!r}: hmac-base64 needs signature_header")
        if self.scheme != "hmac-base64" and self.signature_header is not None:
            raise ValueError(f"source {self.name!r}: signature_header is for hmac-base64 only")
        for position, secret in enumerate(self.secrets):
            value = secret.get_secret_value()
            if not value:
                raise ValueError(f"source {self.name!r}: secrets[{position}] is empty")
            if self.scheme == "standard" and not _is_standard_secret(value):
                raise ValueError(
                    f"source {self.name!r}: secrets[{position}] is not 'whsec_<base64>'"
                    " of 24 to 64 bytes"
                )
        return self


class SourcesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sources: list[WebhookSource]


def _document(value: str) -> Any:
    text = value.strip()
    if text.startswith(("[", "{")):
        return json.loads(text)
    path = Path(text)
    if not path.is_file():
        raise ValueError(f"webhook sources: {path} is not a file (nor JSON text)")
    if path.suffix == ".toml":
        return tomllib.loads(path.read_text())
    return json.loads(path.read_text())


@lru_cache(maxsize=8)
def load_sources(value: str | None) -> dict[str, WebhookSource]:
    """The sources by name; ValueError naming what is wrong (never a secret's value)."""
    if value is None or not value.strip():
        return {}
    try:
        document = _document(value)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as error:
        raise ValueError(f"webhook sources are not valid JSON or TOML: {error}") from error
    if isinstance(document, list):
        document = {"sources": document}
    try:
        sources = SourcesFile.model_validate(document).sources
    except ValidationError as error:
        # Only the locations and messages: the input could be a secret.
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors(include_input=False)
        )
        raise ValueError(f"webhook sources: {problems}") from None
    by_name: dict[str, WebhookSource] = {}
    for source in sources:
        if source.name in by_name:
            raise ValueError(f"webhook sources: {source.name!r} is configured twice")
        by_name[source.name] = source
    return by_name
