from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from receivables_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INVOICING_", extra="ignore")

    database_name: ClassVar[str] = "invoicing"
    port: int = 8002
