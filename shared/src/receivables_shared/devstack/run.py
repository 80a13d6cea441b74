"""`make run`: the whole platform on one machine with embedded PostgreSQL and broker.

    python -m receivables_shared.devstack.run [--demo]

DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS (or the per-service variables) point it at external servers
instead. Ctrl-C stops the services, then the broker and PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

import httpx

from receivables_shared.auth.keys import Scope, find_api_key, issue_api_key
from receivables_shared.db.admin import create_database
from receivables_shared.db.engine import create_engine, create_sessionmaker
from receivables_shared.db.migrations import upgrade_database
from receivables_shared.devstack.broker import EmbeddedBroker
from receivables_shared.devstack.network import port_answers
from receivables_shared.devstack.postgres import start_embedded_postgres
from receivables_shared.devstack.services import SERVICES, ServiceEntry
from receivables_shared.kafka import ensure_topics
from receivables_shared.settings import PlatformEnvironment

VAR = Path.cwd() / "var"


def say(message: str) -> None:
    print(f"[run] {message}", flush=True)


def dev_api_key() -> str:
    """One key for all five services, kept across runs in var/dev-api-key."""
    path = VAR / "dev-api-key"
    if not path.exists():
        path.write_text(f"rk_dev{secrets.token_hex(2)}_{secrets.token_urlsafe(24)}\n")
    return path.read_text().strip()


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


def wait_ready(entries: list[ServiceEntry], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    for entry in entries:
        url = f"http://127.0.0.1:{entry.port}/health/ready"
        while True:
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{entry.package} did not become ready; see var/logs/")
            time.sleep(0.2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--demo", action="store_true", help="load demo data once all are up")
    parser.add_argument("--broker-port", type=int, default=9092)
    args = parser.parse_args()
    (VAR / "logs").mkdir(parents=True, exist_ok=True)

    platform = PlatformEnvironment()
    wanted = [entry.port for entry in SERVICES]
    if platform.kafka_bootstrap_servers is None:
        wanted.append(args.broker_port)
    if busy := [port for port in wanted if port_answers("127.0.0.1", port)]:
        say(f"port(s) {', '.join(map(str, busy))} already in use on 127.0.0.1: is another")
        say("`make run` still up? Stop it, or use --broker-port / KAFKA_BOOTSTRAP_SERVERS.")
        return 1
    # The embedded servers are announced through the generic variables, so the services (and
    # this launcher) resolve their URLs with their own settings, per-service variables first.
    if platform.database_url is None and not all(
        os.environ.get(f"{e.env_prefix}DATABASE_URL") for e in SERVICES
    ):
        say("starting embedded PostgreSQL (data in var/postgres)")
        os.environ["DATABASE_URL"] = start_embedded_postgres(VAR / "postgres")
    broker = None
    if platform.kafka_bootstrap_servers is None:
        say(f"starting embedded Kafka-protocol broker (Tansu) on 127.0.0.1:{args.broker_port}")
        broker = EmbeddedBroker(port=args.broker_port, log_path=VAR / "logs" / "broker.log").start()
        os.environ["KAFKA_BOOTSTRAP_SERVERS"] = broker.bootstrap_servers
    bootstrap = PlatformEnvironment().kafka_bootstrap_servers or ""

    key = dev_api_key()
    urls = {e.package: e.definition().load_settings().resolved_database_url() for e in SERVICES}

    async def prepare() -> None:
        for entry in SERVICES:
            await prepare_database(entry, urls[entry.package], key)
        topics = [
            t for e in SERVICES for t in (e.definition().topic, e.definition().dead_letter_topic)
        ]
        await ensure_topics(bootstrap, topics, partitions=6)

    say("creating databases, running migrations, creating topics")
    asyncio.run(prepare())

    children: list[subprocess.Popen[bytes]] = []
    for entry in SERVICES:
        env = {
            **os.environ,
            f"{entry.env_prefix}PORT": str(entry.port),
            f"{entry.env_prefix}MIGRATE_ON_STARTUP": "false",
        }
        if broker is not None:
            env[f"{entry.env_prefix}KAFKA_ENABLE_IDEMPOTENCE"] = "false"
        # Service-to-service calls (read-your-writes, docs/api.md): invoicing asks credit-policy
        # for a customer whose CustomerCreated has not arrived yet. The dev key is valid on every
        # service; variables already set by the caller win.
        if entry.package == "invoicing":
            credit_policy_port = next(e.port for e in SERVICES if e.package == "credit_policy")
            env.setdefault("INVOICING_CREDIT_POLICY_URL", f"http://127.0.0.1:{credit_policy_port}")
            env.setdefault("INVOICING_CREDIT_POLICY_API_KEY", key)
        log = open(VAR / "logs" / f"{entry.package}.log", "ab")  # noqa: SIM115
        children.append(
            subprocess.Popen(
                [sys.executable, "-m", entry.package, "serve"], env=env, stdout=log, stderr=log
            )
        )

    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        wait_ready(list(SERVICES))
        say("all services are ready:")
        for entry in SERVICES:
            say(f"  {entry.definition().name:<14} http://127.0.0.1:{entry.port}  (docs: /docs)")
        say(f"  broker         {bootstrap}")
        say(f"  API key        {key}   (Authorization: Bearer <key>)")
        say("  logs           var/logs/")
        if args.demo:
            from receivables_shared.devstack.demo import load_demo

            try:
                asyncio.run(load_demo(key))
            except Exception as error:  # the platform stays up; the demo only failed to load
                say(f"demo data failed to load: {error!r}")
        say("press Ctrl-C to stop")
        while not stopping:
            if any(child.poll() is not None for child in children):
                say("a service exited; see var/logs/. Stopping everything.")
                break
            time.sleep(0.3)
    finally:
        say("stopping services")
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
        if broker is not None:
            broker.stop()
        say("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
