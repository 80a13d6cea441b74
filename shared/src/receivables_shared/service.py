"""What makes a service: the one object the shared app factory, CLI and test fixtures read."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from fastapi import APIRouter
from sqlalchemy import MetaData

from receivables_shared.consumer.runner import Handler
from receivables_shared.events.base import Event, dead_letter_topic_of, topic_of
from receivables_shared.jobs import PeriodicJob
from receivables_shared.settings import ServiceSettings


@dataclass(frozen=True)
class ServiceDefinition:
    #: "invoicing": names its topic, its consumer group, its dead-letter topic and ce_source.
    name: str
    title: str
    settings_class: type[ServiceSettings]
    metadata: MetaData
    #: Alembic script location as "package:folder".
    migrations: str
    routers: Sequence[APIRouter] = ()
    handlers: Mapping[type[Event], Handler] = field(default_factory=dict)
    #: Set-based work on a timer, run by the worker process (receivables_shared.jobs).
    jobs: Sequence[PeriodicJob] = ()

    @property
    def topic(self) -> str:
        return topic_of(self.name)

    @property
    def dead_letter_topic(self) -> str:
        return dead_letter_topic_of(self.name)

    @property
    def consumer_group(self) -> str:
        return self.name

    @property
    def consumed_topics(self) -> list[str]:
        return sorted({event.topic() for event in self.handlers})

    def load_settings(self) -> ServiceSettings:
        return self.settings_class()
