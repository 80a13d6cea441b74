from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from receivables_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CREDIT_POLICY_", extra="ignore")

    database_name: ClassVar[str] = "credit_policy"
    port: int = 8001

    # Credit checks and holds (docs/credit-checks.md).
    reservation_ttl_minutes: int = Field(
        default=60, ge=1, description="How long an approved reservation holds credit."
    )
    special_control_share_percent: int = Field(
        default=50,
        ge=0,
        le=100,
        description="Orders above this share of the limit are referred for special-control "
        "customers.",
    )
    reservation_expiry_interval_seconds: float = Field(default=60, gt=0)
    credit_holds_interval_seconds: float = Field(default=3600, gt=0)
