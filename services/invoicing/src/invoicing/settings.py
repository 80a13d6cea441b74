from typing import ClassVar, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from invoicing.webhooks.sources import load_sources
from receivables_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INVOICING_", extra="ignore")

    database_name: ClassVar[str] = "invoicing"
    port: int = 8002

    # Read-your-writes (docs/api.md): a customer not yet learnt from CustomerCreated is asked
    # of credit-policy; without a URL, invoicing waits briefly for the event instead.
    credit_policy_url: str | None = Field(
        default=None, description="Base URL of credit-policy, e.g. http://127.0.0.1:8001."
    )
    credit_policy_api_key: SecretStr | None = Field(
        default=None, description="A key with the read scope, issued by credit-policy."
    )
    credit_policy_timeout_seconds: float = Field(default=2.0, gt=0)
    customer_event_wait_seconds: float = Field(
        default=2.0, ge=0, description="Without credit_policy_url: how long to wait for the event."
    )
    # Payment webhooks (docs/webhooks.md): the sources are configuration, checked at start.
    webhook_sources: str | None = Field(
        default=None,
        description="Webhook sources: a JSON list, or the path of a .json or .toml file.",
    )
    webhook_apply_interval_seconds: float = Field(default=0.5, gt=0)
    webhook_apply_batch_size: int = Field(default=200, ge=1, le=5000)
    webhook_parked_retry_seconds: float = Field(
        default=300, gt=0, description="How long a parked delivery waits before it is retried."
    )

    @field_validator("webhook_sources")
    @classmethod
    def _sources_load(cls, value: str | None) -> str | None:
        load_sources(value)  # a bad file or secret stops the service at start, not at a delivery
        return value

    @model_validator(mode="after")
    def _key_with_url(self) -> Self:
        if self.credit_policy_url and self.credit_policy_api_key is None:
            raise ValueError("INVOICING_CREDIT_POLICY_URL needs INVOICING_CREDIT_POLICY_API_KEY")
        return self
