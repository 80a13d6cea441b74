from decimal import Decimal, InvalidOperation
from typing import ClassVar, Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from invoicing.documents.seller import DEMO_BANK_ACCOUNTS, BankAccount, SellerSettings
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

    # The seller on invoices (docs/documents.md); demo defaults so `make run` shows a real one.
    seller_legal_name: str = Field(default=SellerSettings().legal_name, min_length=1)
    seller_address: str = Field(default=SellerSettings().address, min_length=1)
    seller_tax_id: str = Field(default=SellerSettings().tax_id, min_length=1)
    seller_bank_accounts: list[BankAccount] = Field(
        default=list(DEMO_BANK_ACCOUNTS),
        min_length=1,
        description='JSON, e.g. [{"iban": "LV80BANK0000435195001", "bic": "BANKLV22"}]',
    )

    @property
    def seller(self) -> SellerSettings:
        return SellerSettings(
            legal_name=self.seller_legal_name,
            address=self.seller_address,
            tax_id=self.seller_tax_id,
            bank_accounts=self.seller_bank_accounts,
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
    overdue_job_parallel_batches: int = Field(
        default=2,
        ge=1,
        le=16,
        description="Batches of the overdue job run at once, each on its own connection.",
    )

    # Payments (docs/payments.md): statements of other accounts are refused. The seller's own
    # accounts (printed on invoices) are always ours; this names any others.
    bank_accounts: str = Field(
        default="",
        description=(
            "More of our bank accounts (IBANs, or the ids banks give), comma-separated, besides"
            " the seller's accounts."
        ),
    )

    @property
    def known_bank_accounts(self) -> frozenset[str]:
        extra = (account for account in self.bank_accounts.split(",") if account.strip())
        sellers = (account.iban for account in self.seller_bank_accounts)
        return frozenset(account.replace(" ", "").upper() for account in (*extra, *sellers))

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
