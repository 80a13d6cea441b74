"""Settings shared by every service; each service subclasses with its own env prefix.

Per-service variables (INVOICING_DATABASE_URL) win; the generic DATABASE_URL and
KAFKA_BOOTSTRAP_SERVERS point all services at one server, each service keeping its own database.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from receivables_shared.clock import DEFAULT_BUSINESS_TIMEZONE
from receivables_shared.db.engine import Timeouts, with_database
from receivables_shared.http.limits import DEFAULT_MAX_BODY_BYTES

Role = Literal["all", "api", "worker"]


class PlatformEnvironment(BaseSettings):
    """The generic, unprefixed variables shared by all services."""

    model_config = SettingsConfigDict(extra="ignore")

    database_url: str | None = None
    kafka_bootstrap_servers: str | None = None


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    #: Set by each service: the name of its own database.
    database_name: ClassVar[str]

    database_url: str | None = Field(
        default=None, description="Full SQLAlchemy URL of this service's database."
    )
    database_pool_size: int = Field(default=10, ge=1)
    kafka_bootstrap_servers: str | None = None
    kafka_enable_idempotence: bool = Field(
        default=True, description="Idempotent producer; the embedded Tansu broker needs false."
    )
    kafka_topic_partitions: int = Field(default=6, ge=1)
    kafka_replication_factor: int = Field(default=1, ge=1, description="3 on a real cluster.")
    kafka_session_timeout_ms: int = Field(default=10_000, ge=1000)
    kafka_fetch_max_wait_ms: int = Field(default=50, ge=1)
    host: str = "127.0.0.1"
    port: int = 8000
    role: Role = "all"
    migrate_on_startup: bool = True
    log_level: str = "INFO"
    log_json: bool = True
    business_date: date | None = Field(
        default=None, description="Pins the clock's business date (simulations, replays)."
    )
    business_timezone: str = Field(
        default=DEFAULT_BUSINESS_TIMEZONE,
        description="IANA zone of the seller: the business date is the date there.",
    )
    max_body_bytes: int = Field(
        default=DEFAULT_MAX_BODY_BYTES,
        ge=0,
        description="Largest request body a route accepts unless it sets its own limit.",
    )
    api_key_cache_seconds: float = Field(
        default=5,
        ge=0,
        description="How long the API remembers a valid key (0: look it up on every request);"
        " a revoked key keeps working this long at most.",
    )
    outbox_batch_size: int = Field(default=500, ge=1)
    outbox_poll_interval_seconds: float = Field(default=0.05, gt=0)
    outbox_retention_hours: float = Field(default=24, gt=0)
    outbox_backoff_max_seconds: float = Field(
        default=30, gt=0, description="Longest pause of the relay between retries in an outage."
    )
    idempotency_retention_hours: float = Field(default=24, gt=0)
    kafka_topic_retention_hours: float = Field(
        default=168,
        gt=0,
        description="The broker's retention.ms of the event topics (Kafka's default: 7 days).",
    )
    inbox_retention_hours: float = Field(
        default=336,
        gt=0,
        description=(
            "How long a consumer remembers an applied event id. Must exceed the topic retention"
            " (a replay from the oldest offset) and the outbox retention (rows re-published)."
        ),
    )
    # Per role: the API answers people and must fail fast; workers and jobs do batches.
    api_statement_timeout_seconds: float = Field(default=5, ge=0)
    api_lock_timeout_seconds: float = Field(default=2, ge=0)
    api_idle_in_transaction_timeout_seconds: float = Field(default=10, ge=0)
    api_pool_timeout_seconds: float = Field(
        default=5, gt=0, description="How long a request waits for a pooled connection: a 503."
    )
    worker_statement_timeout_seconds: float = Field(default=60, ge=0)
    worker_lock_timeout_seconds: float = Field(default=10, ge=0)
    worker_idle_in_transaction_timeout_seconds: float = Field(
        default=60,
        ge=0,
        description="The relay waits for broker acknowledgements inside its transaction.",
    )
    consumer_batch_size: int = Field(default=500, ge=1)
    consumer_max_attempts: int = Field(default=5, ge=1)
    consumer_retry_backoff_seconds: float = Field(default=0.2, ge=0)
    consumer_outage_backoff_max_seconds: float = Field(
        default=5.0, gt=0, description="Longest pause between retries while the database is away."
    )

    @model_validator(mode="after")
    def _inbox_outlives_every_redelivery(self) -> ServiceSettings:
        # A duplicate is absorbed only while its id is still in the inbox: the broker may
        # redeliver anything it still holds, the relay re-publishes any outbox row it still has.
        for other in ("kafka_topic_retention_hours", "outbox_retention_hours"):
            if self.inbox_retention_hours <= getattr(self, other):
                raise ValueError(
                    f"inbox_retention_hours ({self.inbox_retention_hours:g}) must exceed"
                    f" {other} ({getattr(self, other):g}), or duplicates get through"
                )
        return self

    def api_timeouts(self) -> Timeouts:
        return Timeouts(
            statement=self.api_statement_timeout_seconds,
            lock=self.api_lock_timeout_seconds,
            idle_in_transaction=self.api_idle_in_transaction_timeout_seconds,
        )

    def worker_timeouts(self) -> Timeouts:
        return Timeouts(
            statement=self.worker_statement_timeout_seconds,
            lock=self.worker_lock_timeout_seconds,
            idle_in_transaction=self.worker_idle_in_transaction_timeout_seconds,
        )

    @field_validator("business_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}") from error
        return value

    @property
    def business_zone(self) -> ZoneInfo:
        return ZoneInfo(self.business_timezone)

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        server = PlatformEnvironment().database_url or "postgresql://postgres@127.0.0.1:5432"
        return with_database(server, self.database_name)

    def resolved_kafka_bootstrap_servers(self) -> str:
        return (
            self.kafka_bootstrap_servers
            or PlatformEnvironment().kafka_bootstrap_servers
            or "127.0.0.1:9092"
        )
