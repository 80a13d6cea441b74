"""A probe service built by the shared app factory, on the shared test database and real broker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import ClassVar

import httpx
import pytest_asyncio
from fastapi import APIRouter, FastAPI, Request
from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncEngine

from receivables_shared.auth.keys import Scope, issue_api_key
from receivables_shared.db.base import make_metadata
from receivables_shared.db.engine import SessionMaker
from receivables_shared.http.app import create_app
from receivables_shared.http.dependencies import ApiKeyDep
from receivables_shared.http.inputs import RequestModel
from receivables_shared.service import ServiceDefinition
from receivables_shared.settings import ServiceSettings

#: The probe's upload route accepts more than the service default.
UPLOAD_LIMIT = 2 * 1024 * 1024


class ProbeSettings(ServiceSettings):
    database_name: ClassVar[str] = "test_shared_main"


class Note(RequestModel):
    text: str
    tags: list[str] = Field(default_factory=list)


probe = APIRouter()


@probe.get("/boom")
async def boom() -> None:
    raise RuntimeError("kaput")


@probe.get("/items/{item_id}")
async def read_item(item_id: int, key: ApiKeyDep, request: Request) -> dict[str, object]:
    # The very object the gate found: the dependency did not look the key up again.
    return {"item_id": item_id, "key": key.name, "from_gate": key is request.state.api_key}


@probe.post("/notes")
async def post_note(note: Note, _: ApiKeyDep) -> dict[str, int]:
    return {"length": len(note.text)}


@probe.post("/uploads", max_body_size=UPLOAD_LIMIT)
async def upload(request: Request, _: ApiKeyDep) -> dict[str, int]:
    return {"received": len(await request.body())}


PROBE = ServiceDefinition(
    name="probe",
    title="Probe",
    settings_class=ProbeSettings,
    metadata=make_metadata(),
    migrations="unused:migrations",
    routers=[probe],
)


def probe_app(engine: AsyncEngine, bootstrap: str) -> FastAPI:
    settings = ProbeSettings(
        database_url=engine.url.render_as_string(hide_password=False),
        kafka_bootstrap_servers=bootstrap,
        role="api",
    )
    return create_app(PROBE, settings)


def client_of(app: FastAPI, headers: dict[str, str] | None = None) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://probe", headers=headers)


async def client_for(engine: AsyncEngine, bootstrap: str) -> httpx.AsyncClient:
    return client_of(probe_app(engine, bootstrap))


@pytest_asyncio.fixture
async def app(platform_engine: AsyncEngine, kafka_bootstrap: str) -> AsyncIterator[FastAPI]:
    app = probe_app(platform_engine, kafka_bootstrap)
    yield app
    await app.state.engine.dispose()


@pytest_asyncio.fixture
async def secret(sessionmaker: SessionMaker) -> str:
    """A committed key, as a client of a running service holds one; removed after the test."""
    async with sessionmaker() as session, session.begin():
        issued = await issue_api_key(session, name="probe-client", scopes=[Scope.ADMIN])
    return issued.secret


@pytest_asyncio.fixture
async def client(app: FastAPI, secret: str) -> AsyncIterator[httpx.AsyncClient]:
    async with client_of(app, {"Authorization": f"Bearer {secret}"}) as client:
        yield client


@pytest_asyncio.fixture
async def anonymous(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_of(app) as client:
        yield client
