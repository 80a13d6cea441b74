"""The five services, listed once: name, package, env prefix, default port.

Read by the AsyncAPI generator, the dev stack (`make run`), the developer CLI and the tests; each
service's `definition.py` stays the authority on what the service *is*, this list only says which
services there are and how to reach them on a developer's machine.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from receivables_shared.service import ServiceDefinition


@dataclass(frozen=True)
class ServiceEntry:
    #: The service's name: its topic, consumer group, log file and database naming follow it.
    name: str
    #: The Python package (`python -m <package> serve`); collections' is `collection`.
    package: str
    env_prefix: str
    #: The API port `make run` uses by default.
    port: int

    def definition(self) -> ServiceDefinition:
        module = importlib.import_module(f"{self.package}.definition")
        definition: ServiceDefinition = module.SERVICE
        return definition


SERVICES: tuple[ServiceEntry, ...] = (
    ServiceEntry("credit-policy", "credit_policy", "CREDIT_POLICY_", 8001),
    ServiceEntry("invoicing", "invoicing", "INVOICING_", 8002),
    ServiceEntry("collections", "collection", "COLLECTIONS_", 8003),
    ServiceEntry("notifications", "notifications", "NOTIFICATIONS_", 8004),
    ServiceEntry("analytics", "analytics", "ANALYTICS_", 8005),
)


def service_named(name: str) -> ServiceEntry:
    """The entry for a service name or package name (`collections` or `collection`)."""
    for entry in SERVICES:
        if name in (entry.name, entry.package):
            return entry
    known = ", ".join(entry.name for entry in SERVICES)
    raise KeyError(f"no service named {name!r}; known: {known}")
