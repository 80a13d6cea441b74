from decimal import Decimal, InvalidOperation
from typing import ClassVar, Literal, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

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

    # Invoices (docs/invoices.md): what applies when credit-policy sent no terms for a customer.
    tax_rates: str = Field(
        default="0,5,9,12,20,21",
        description="Tax rates (percent) an invoice line may carry, comma-separated.",
    )
    default_payment_term_days: int = Field(default=30, ge=0, le=365)
    default_business_day_rule: Literal["none", "next_business_day"] = "next_business_day"
    # The overdue-and-interest job (docs/overdue-and-interest.md): a round is a no-op once the
    # business date's work is done, so running it often only makes a new day's work start early.
    overdue_job_interval_seconds: float = Field(default=900, gt=0)
    overdue_job_batch_size: int = Field(
        default=20_000, ge=1, description="Invoices per transaction of the overdue job."
    )

    @property
    def allowed_tax_rates(self) -> frozenset[Decimal]:
        return frozenset(
            Decimal(rate.strip()) for rate in self.tax_rates.split(",") if rate.strip()
        )

    @model_validator(mode="after")
    def _tax_rates_are_percentages(self) -> Self:
        try:
            rates = self.allowed_tax_rates
        except InvalidOperation as error:
            raise ValueError(f"INVOICING_TAX_RATES: {self.tax_rates!r} is not a list") from error
        if not rates or any(not 0 <= rate < 100 for rate in rates):
            raise ValueError("INVOICING_TAX_RATES: percentages from 0 to below 100")
        return self

    @model_validator(mode="after")
    def _key_with_url(self) -> Self:
        if self.credit_policy_url and self.credit_policy_api_key is None:
            raise ValueError("INVOICING_CREDIT_POLICY_URL needs INVOICING_CREDIT_POLICY_API_KEY")
        return self
