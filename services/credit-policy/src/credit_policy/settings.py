from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from receivables_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CREDIT_POLICY_", extra="ignore")

    database_name: ClassVar[str] = "credit_policy"
    port: int = 8001
