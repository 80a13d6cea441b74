"""Tests of `make run` itself: the launcher as a real process tree, on free ports, with its own
var/ directory and databases named after the test run (dropped with the run's other databases),
so it never meets a developer's running `make run`."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from receivables_shared.db.engine import create_engine, with_database
from receivables_shared.devstack.network import free_port, free_port_range, port_answers
from receivables_shared.devstack.state import StackState, process_alive, read_state
from receivables_shared.services_registry import SERVICES, service_named
from receivables_shared.testing.helpers import eventually
from receivables_shared.testing.service import run_database_prefix

#: Starting five services twice over on a busy machine takes a while.
START_TIMEOUT = 180


class StackUnderTest:
    def __init__(self, var_dir: Path, server_url: str, purpose: str) -> None:
        self.var_dir = var_dir
        self.port_base = free_port_range(len(SERVICES))
        self.broker_port = free_port()
        self.database_prefix = f"{run_database_prefix()}{purpose}_"
        self.env = self._environment(server_url)
        self.process: subprocess.Popen[bytes] | None = None
        self.runs = 0

    @staticmethod
    def _environment(server_url: str) -> dict[str, str]:
        overridden = ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")
        env = {k: v for k, v in os.environ.items() if not k.endswith(overridden)}
        env["DATABASE_URL"] = server_url
        for entry in SERVICES:
            # Tansu holds a group join about half the session timeout: keep restarts quick.
            env[f"{entry.env_prefix}KAFKA_SESSION_TIMEOUT_MS"] = "2000"
        return env

    @property
    def output_path(self) -> Path:
        return self.var_dir / f"launcher-{self.runs}.out"

    def output(self) -> str:
        return self.output_path.read_text() if self.output_path.exists() else ""

    def start(self, *extra: str) -> None:
        self.runs += 1
        self.var_dir.mkdir(parents=True, exist_ok=True)
        out = open(self.output_path, "wb")  # noqa: SIM115 (the launcher writes it until it ends)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "receivables_shared.devstack",
                "run",
                "--var-dir",
                str(self.var_dir),
                "--port-base",
                str(self.port_base),
                "--broker-port",
                str(self.broker_port),
                "--database-prefix",
                self.database_prefix,
                *extra,
            ],
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        out.close()

    async def ready(self) -> StackState:
        async def probe() -> StackState | None:
            assert self.process is not None and self.process.poll() is None, self.output()
            state = read_state(self.var_dir)
            return state if state is not None and state.ready else None

        return await eventually(probe, timeout=START_TIMEOUT, interval=0.2)

    def state(self) -> StackState:
        state = read_state(self.var_dir)
        assert state is not None, self.output()
        return state

    def api(self, service: str) -> str:
        return self.state().services[service].api_url

    def database_url(self, service: str) -> str:
        definition = service_named(service).definition()
        name = f"{self.database_prefix}{definition.settings_class.database_name}"
        return with_database(self.env["DATABASE_URL"], name)

    def launcher_alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    async def terminate(self, *, timeout: float = 120) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return await asyncio.to_thread(self.process.wait, timeout)

    def kill_everything(self) -> None:
        """SIGKILL the launcher, every service process and the broker, all at once."""
        pids = self.state().pids()
        for pid in pids:
            if process_alive(pid):
                os.kill(pid, signal.SIGKILL)
        assert self.process is not None
        self.process.wait()

    def leave_nothing_running(self) -> None:
        state = read_state(self.var_dir)
        if self.launcher_alive() and self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=60)
        if state is not None:
            for pid in state.pids():
                if process_alive(pid):
                    os.kill(pid, signal.SIGKILL)
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


async def scalar(database_url: str, sql: str, **params: object) -> object:
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            return await connection.scalar(text(sql), params)
    finally:
        await engine.dispose()


@asynccontextmanager
async def inboxes_locked(database_urls: list[str]) -> AsyncIterator[None]:
    """Consumers can read but not write their inbox: nothing they receive gets applied."""
    engines = [create_engine(url, pool_size=1) for url in database_urls]
    connections = [await engine.connect() for engine in engines]
    try:
        for connection in connections:
            await connection.begin()
            await connection.execute(text("LOCK TABLE inbox_events IN EXCLUSIVE MODE"))
        yield
    finally:
        for connection in connections:
            await connection.rollback()
            await connection.close()
        for engine in engines:
            await engine.dispose()


async def duplicates_skipped(worker_url: str, group: str) -> float:
    async with httpx.AsyncClient() as client:
        body = (await client.get(f"{worker_url}/metrics")).text
    for family in text_string_to_metric_families(body):
        if family.name == "events_duplicate":
            for sample in family.samples:
                if sample.name.endswith("_total") and sample.labels.get("group") == group:
                    return sample.value
    return 0.0


def answers(url: str) -> bool:
    host, port = url.removeprefix("http://").split(":")
    return port_answers(host, int(port))


def new_id() -> str:
    return str(uuid.uuid4())
