"""The five services running in this process: real databases, real broker, their own consumers
and outbox relays (role "all"), reached over ASGI with an admin API key each."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass

import httpx
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncSession

from receivables_shared.auth.keys import Scope, issue_api_key
from receivables_shared.db.engine import SessionMaker
from receivables_shared.http.app import create_app
from receivables_shared.service import ServiceDefinition
from receivables_shared.services_registry import SERVICES
from receivables_shared.testing.service import (
    database_name_for_tests,
    fresh_database,
    settings_for_tests,
)

#: invoicing takes Standard Webhooks deliveries from this source, signed with this secret.
WEBHOOK_SOURCE = "e2e-bank"
WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"e2e webhook secret, 32 bytes long").decode()
WEBHOOK_SOURCES = json.dumps(
    [
        {
            "name": WEBHOOK_SOURCE,
            "scheme": "standard",
            "secrets": [WEBHOOK_SECRET],
            "adapter": "standard",
        }
    ]
)
#: Settings a service needs beyond the defaults to take part end to end.
EXTRA_SETTINGS: dict[str, dict[str, object]] = {
    "invoicing": {"webhook_sources": WEBHOOK_SOURCES, "webhook_apply_interval_seconds": 0.05},
}


@dataclass
class RunningService:
    definition: ServiceDefinition
    client: httpx.AsyncClient
    sessionmaker: SessionMaker

    def session(self) -> AsyncSession:
        return self.sessionmaker()


@dataclass
class Platform:
    services: dict[str, RunningService]
    bootstrap: str

    def __getitem__(self, name: str) -> RunningService:
        return self.services[name]


@pytest_asyncio.fixture(scope="module")
async def platform(postgres_server_url: str, kafka_bootstrap: str) -> AsyncIterator[Platform]:
    async with AsyncExitStack() as stack:
        services: dict[str, RunningService] = {}
        for entry in SERVICES:
            definition = entry.definition()
            url = await fresh_database(
                definition, postgres_server_url, database_name_for_tests(definition, "e2e")
            )
            settings = settings_for_tests(
                definition,
                url,
                kafka_bootstrap,
                role="all",
                **EXTRA_SETTINGS.get(definition.name, {}),
            )
            app = create_app(definition, settings)
            await stack.enter_async_context(app.router.lifespan_context(app))
            sessionmaker: SessionMaker = app.state.sessionmaker
            async with sessionmaker() as session, session.begin():
                key = await issue_api_key(session, name="e2e", scopes=[Scope.ADMIN])
            client = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app),
                base_url=f"http://{definition.name}",
                headers={"Authorization": f"Bearer {key.secret}"},
            )
            await stack.enter_async_context(client)
            services[definition.name] = RunningService(definition, client, sessionmaker)
        yield Platform(services, kafka_bootstrap)
