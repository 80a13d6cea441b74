"""The five services as the dev launcher, the demo and the end-to-end tests know them."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from receivables_shared.service import ServiceDefinition


@dataclass(frozen=True)
class ServiceEntry:
    package: str
    env_prefix: str
    port: int

    def definition(self) -> ServiceDefinition:
        module = importlib.import_module(f"{self.package}.definition")
        definition: ServiceDefinition = module.SERVICE
        return definition


SERVICES: tuple[ServiceEntry, ...] = (
    ServiceEntry("credit_policy", "CREDIT_POLICY_", 8001),
    ServiceEntry("invoicing", "INVOICING_", 8002),
    ServiceEntry("collection", "COLLECTIONS_", 8003),
    ServiceEntry("notifications", "NOTIFICATIONS_", 8004),
    ServiceEntry("analytics", "ANALYTICS_", 8005),
)
