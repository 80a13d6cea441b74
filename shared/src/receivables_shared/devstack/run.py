"""`make run`: the whole platform on one machine with embedded PostgreSQL and broker.

    python -m receivables_shared.devstack run [--demo] [--port-base N] [--broker-port N] ...

DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS (or the per-service variables) point it at external servers
instead. Ctrl-C (or SIGTERM) stops it in order: the APIs, then, once every outbox is published
and every consumer has applied what was published, the relays and consumers, then the broker and
PostgreSQL. A second Ctrl-C stops without waiting (nothing is lost: see backlog.py).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from types import FrameType

from sqlalchemy.engine import make_url

from receivables_shared.auth.keys import Scope, find_api_key, issue_api_key, new_secret
from receivables_shared.db.admin import create_database
from receivables_shared.db.engine import create_engine, create_sessionmaker, with_database
from receivables_shared.db.migrations import upgrade_database
from receivables_shared.devstack.backlog import BacklogProbe, republish_since
from receivables_shared.devstack.broker import EmbeddedBroker
from receivables_shared.devstack.network import free_port_except, port_answers
from receivables_shared.devstack.options import StackOptions
from receivables_shared.devstack.postgres import start_embedded_postgres
from receivables_shared.devstack.processes import (
    ServiceProcess,
    start_service,
    stop_processes,
    wait_ready,
)
from receivables_shared.devstack.state import (
    ServiceState,
    StackState,
    remove_state,
    running_stack,
    write_state,
)
from receivables_shared.devstack.webhooks import dev_webhook_sources
from receivables_shared.kafka import ensure_topics
from receivables_shared.services_registry import SERVICES, ServiceEntry, service_named
from receivables_shared.settings import PlatformEnvironment


def say(message: str) -> None:
    print(f"[run] {message}", flush=True)


def dev_api_key(options: StackOptions) -> str:
    """One key for all five services, kept across runs in var/dev-api-key."""
    path = options.var_dir / "dev-api-key"
    if not path.exists():
        path.write_text(new_secret(f"dev{secrets.token_hex(2)}") + "\n")
    return path.read_text().strip()


def database_urls(options: StackOptions) -> dict[str, str]:
    """Each service's database URL from its own settings, its name behind the run's prefix."""
    urls = {}
    for entry in SERVICES:
        url = entry.definition().load_settings().resolved_database_url()
        name = make_url(url).database or entry.definition().settings_class.database_name
        urls[entry.name] = with_database(url, f"{options.database_prefix}{name}")
    return urls


async def prepare_database(entry: ServiceEntry, url: str, key: str) -> None:
    definition = entry.definition()
    await create_database(url)
    await upgrade_database(definition, url)
    engine = create_engine(url, pool_size=1)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            if await find_api_key(session, key) is None:
                await issue_api_key(session, name="make run", scopes=[Scope.ADMIN], secret=key)
    finally:
        await engine.dispose()


async def prepare(
    urls: dict[str, str], key: str, bootstrap: str, *, fresh_broker: bool
) -> dict[str, int]:
    """Databases, migrations, the dev key and topics; returns the re-published rows per service."""
    republished: dict[str, int] = {}
    for entry in SERVICES:
        await prepare_database(entry, urls[entry.name], key)
        if fresh_broker:
            # The new broker is empty: publish again what it may not have delivered.
            hours = entry.definition().load_settings().outbox_retention_hours
            cutoff = datetime.now(UTC) - timedelta(hours=hours)
            republished[entry.name] = await republish_since(urls[entry.name], cutoff)
    topics = [t for e in SERVICES for t in (e.definition().topic, e.definition().dead_letter_topic)]
    settings = SERVICES[0].definition().load_settings()
    await ensure_topics(
        bootstrap,
        topics,
        partitions=settings.kafka_topic_partitions,
        retention_hours=settings.kafka_topic_retention_hours,
    )
    return republished


async def drain(
    urls: dict[str, str], since: datetime, *, timeout: float, hurry: Callable[[], bool]
) -> bool:
    """Wait until nothing is in flight; False if it gave up (timeout or a second Ctrl-C)."""
    probe = BacklogProbe(urls)
    deadline = time.monotonic() + timeout
    try:
        while True:
            backlog = await probe.measure(since)
            if backlog.empty:
                return True
            if time.monotonic() > deadline or hurry():
                say(f"stopped waiting ({backlog.describe()}); the next start re-publishes them")
                return False
            await asyncio.sleep(0.2)
    finally:
        await probe.close()


class Launcher:
    def __init__(self, options: StackOptions) -> None:
        self.options = options
        self.signals = 0  # Ctrl-C / SIGTERM received: 1 = stop in order, 2 = do not wait
        self.broker: EmbeddedBroker | None = None
        self.apis: list[ServiceProcess] = []
        self.workers: list[ServiceProcess] = []
        self.urls: dict[str, str] = {}
        self.started_at = datetime.now(UTC)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.signals += 1
        if self.signals == 2:
            say("second interrupt: stopping without waiting for the consumers")

    def run(self) -> int:
        options = self.options
        options.logs_dir.mkdir(parents=True, exist_ok=True)
        if (other := running_stack(options.var_dir)) is not None:
            say(f"a stack from {options.var_dir} is already running (pid {other.launcher_pid})")
            return 1
        platform = PlatformEnvironment()
        embedded_broker = platform.kafka_bootstrap_servers is None
        wanted = [options.api_port(entry) for entry in SERVICES]
        if embedded_broker:
            wanted.append(options.broker_port)
        if busy := [port for port in wanted if port_answers("127.0.0.1", port)]:
            say(f"port(s) {', '.join(map(str, busy))} already in use on 127.0.0.1: is another")
            say("`make run` still up? Stop it, or use --port-base / --broker-port.")
            return 1
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)
        try:
            self._start(platform, embedded_broker)
            if not self.signals:
                self._serve()
        finally:
            self._stop()
        return 0

    def _start(self, platform: PlatformEnvironment, embedded_broker: bool) -> None:
        options = self.options
        # The embedded servers are announced through the generic variables, so the services
        # (and this launcher) resolve their URLs with their own settings, per-service first.
        if platform.database_url is None and not all(
            os.environ.get(f"{e.env_prefix}DATABASE_URL") for e in SERVICES
        ):
            say(f"starting embedded PostgreSQL (data in {options.var_dir / 'postgres'})")
            os.environ["DATABASE_URL"] = start_embedded_postgres(options.var_dir / "postgres")
        if embedded_broker:
            say(f"starting embedded Kafka broker (Tansu) on 127.0.0.1:{options.broker_port}")
            self.broker = EmbeddedBroker(
                port=options.broker_port,
                log_path=options.logs_dir / "broker.log",
                own_session=True,
            ).start()
            os.environ["KAFKA_BOOTSTRAP_SERVERS"] = self.broker.bootstrap_servers
        bootstrap = PlatformEnvironment().kafka_bootstrap_servers or ""
        key = dev_api_key(options)
        self.urls = database_urls(options)

        say("creating databases, running migrations, creating topics")
        republished = asyncio.run(prepare(self.urls, key, bootstrap, fresh_broker=embedded_broker))
        if total := sum(republished.values()):
            say(f"re-publishing {total} event(s) of the outbox retention to the new broker")
        self.started_at = datetime.now(UTC)

        extra_env = {"KAFKA_BOOTSTRAP_SERVERS": bootstrap}
        wanted = {options.api_port(entry) for entry in SERVICES}
        for entry in SERVICES:
            env = dict(extra_env)
            if embedded_broker:
                env[f"{entry.env_prefix}KAFKA_ENABLE_IDEMPOTENCE"] = "false"
            if entry.name == "invoicing":
                env.update(self._credit_policy_client_env(key))
                env.update(self._webhook_sources_env())
            log_path = options.logs_dir / f"{entry.name}.log"
            start = partial(
                start_service,
                entry,
                database_url=self.urls[entry.name],
                extra_env=env,
                log_path=log_path,
            )
            self.workers.append(start("worker", port=free_port_except(set(wanted))))
            self.apis.append(start("api", port=options.api_port(entry)))
        self._write_state(bootstrap, ready=False)
        wait_ready([*self.apis, *self.workers], give_up=lambda: self.signals > 0)
        self._write_state(bootstrap, ready=True)

    def _credit_policy_client_env(self, key: str) -> dict[str, str]:
        """Invoicing asks credit-policy for a customer whose CustomerCreated has not arrived yet
        (read-your-writes); the dev key is valid on every service. The caller's variables win."""
        credit_policy = service_named("credit-policy")
        wanted = {
            "INVOICING_CREDIT_POLICY_URL": (
                f"http://127.0.0.1:{self.options.api_port(credit_policy)}"
            ),
            "INVOICING_CREDIT_POLICY_API_KEY": key,
        }
        return {name: value for name, value in wanted.items() if name not in os.environ}

    def _webhook_sources_env(self) -> dict[str, str]:
        """One payment webhook source per signature scheme, secrets in var/ (docs/webhooks.md)."""
        if "INVOICING_WEBHOOK_SOURCES" in os.environ:
            return {}
        path = dev_webhook_sources(self.options.var_dir)
        say(f"payment webhook sources and their secrets: {path}")
        return {"INVOICING_WEBHOOK_SOURCES": str(path)}

    def _write_state(self, bootstrap: str, *, ready: bool) -> None:
        services = {}
        for api, worker in zip(self.apis, self.workers, strict=True):
            name = api.entry.name
            services[name] = ServiceState(
                name=name,
                api_url=api.url,
                worker_url=worker.url,
                database_url=self.urls[name],
                pids=[api.process.pid, worker.process.pid],
            )
        broker_pid = self.broker.pid if self.broker is not None else None
        state = StackState(
            launcher_pid=os.getpid(),
            bootstrap_servers=bootstrap,
            broker_pid=broker_pid,
            services=services,
            ready=ready,
        )
        write_state(self.options.var_dir, state)

    def _serve(self) -> None:
        from receivables_shared.devstack.summary import print_ready

        key = dev_api_key(self.options)
        print_ready(self.apis, os.environ.get("KAFKA_BOOTSTRAP_SERVERS", ""), key, self.options)
        if self.options.demo:
            from receivables_shared.devstack.demo import load_demo

            try:
                asyncio.run(load_demo(key, {api.entry.name: api.url for api in self.apis}))
            except Exception as error:  # the platform stays up; the demo only failed to load
                say(f"demo data failed to load: {error!r}")
        say("press Ctrl-C to stop")
        while not self.signals:
            if any(not p.alive for p in [*self.apis, *self.workers]):
                say(f"a service exited; see {self.options.logs_dir}/. Stopping everything.")
                break
            time.sleep(0.3)

    def _stop(self) -> None:
        if self.apis:
            say("stopping the APIs")
            stop_processes(self.apis)
        if self.workers and self.signals < 2:
            if all(worker.alive for worker in self.workers):
                say("waiting until every outbox is published and every consumer caught up")
                asyncio.run(self._drain())
            else:
                say("a worker is down: not waiting; the next start re-publishes its events")
        if self.workers:
            say("stopping the outbox relays and consumers")
            stop_processes(self.workers)
        if self.broker is not None:
            say("stopping the broker")
            self.broker.stop()
        remove_state(self.options.var_dir)
        say("stopped")

    async def _drain(self) -> None:
        # A little slack: the relays stamp published_at with their own clock.
        since = self.started_at - timedelta(seconds=5)
        timeout = self.options.drain_timeout_seconds
        if await drain(self.urls, since, timeout=timeout, hurry=lambda: self.signals >= 2):
            say("every event published and applied")


def run_stack(options: StackOptions) -> int:
    return Launcher(options).run()


if __name__ == "__main__":
    # `python -m receivables_shared.devstack.run`, as before; the Typer CLI has every option.
    from receivables_shared.devstack.cli import app

    sys.exit(app(["run", *sys.argv[1:]]))
