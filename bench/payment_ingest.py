"""bench/payment_ingest: issue 9's goal in one run. Signed Standard Webhooks payments
acknowledged over HTTP and applied by the worker, with 1,000,000 open invoices in the database.

Measures, in one run on this machine:
  setup    a fresh invoicing database (real migrations) with 1,000,000 open invoices of 100,000
           customers (bench/open_invoices.py), copied as the raw path's database.
  platform invoicing as deployed: its API (`python -m invoicing serve`, ROLE=api) and its
           worker (ROLE=worker: the webhook job, the outbox relay to an embedded broker, the
           consumers) as two processes on real ports. Concurrent keep-alive clients post
           signed deliveries, each paying one real invoice named by its RF reference (half)
           or its invoice number (half); a tenth are re-sent (a sender's retry). Acknowledgement
           latency = request written -> 202 read, at the client. Then the database is polled
           until every delivery is applied: the seconds from the last acknowledgement until
           then are "applied within seconds after".
  raw      the baseline: the same delivery rows inserted with plain asyncpg (one autocommit
           INSERT ... ON CONFLICT DO NOTHING each, as many connections as clients), then per
           payment the same writes of applying as plain SQL in one transaction (invoice
           SELECT ... FOR UPDATE and UPDATE, payment, movement and allocation INSERTs, the
           delivery marked applied) over --raw-workers connections.
At the end it counts, on both paths: payments lost (not stored, or stored and not applied) and
payments applied twice (bench/open_invoices.count_faults), and the delivery rows stored.

    .venv/bin/python bench/payment_ingest.py [--invoices 1000000] [--deliveries 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import subprocess
import sys
import time
import uuid
from argparse import Namespace
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import asyncpg
from http_load import (
    cpu_seconds,
    http_clients,
    machine_busy_seconds,
    percentile,
    processes_cpu_seconds,
    stop,
    wait_listening,
)
from open_invoices import (
    FIRST_DUE_DATE,
    count_faults,
    count_paid_elsewhere,
    load_open_invoices,
    named_invoice,
    payments_for,
)
from sqlalchemy.engine import make_url

from invoicing.definition import SERVICE as INVOICING
from invoicing.invoices.references import make_rf
from invoicing.payments.service import IncomingPayment
from invoicing.webhooks.signing import new_standard_secret, standard_headers
from receivables_shared.db.admin import drop_databases_with_prefix
from receivables_shared.db.engine import create_engine, with_database
from receivables_shared.devstack.broker import EmbeddedBroker
from receivables_shared.devstack.network import free_port_except
from receivables_shared.devstack.postgres import local_postgres_url, start_embedded_postgres
from receivables_shared.testing.service import fresh_database

ROOT = Path(__file__).resolve().parents[1]
LOGS = ROOT / "var" / "bench"
RUN = uuid.uuid4().hex[:8]
SOURCE = "bank-standard"
PATH = f"/v1/webhooks/payments/{SOURCE}"
#: The business date of both processes: before every due date, so the overdue job (which the
#: worker runs too) has nothing to do and the invoices stay as loaded.
BUSINESS_DATE = FIRST_DUE_DATE - timedelta(days=1)
WARM_UP = 500
POLL_SECONDS = 0.02


@dataclass
class Acknowledged:
    path: str
    requests: int
    deliveries_stored: int
    seconds: float
    per_second: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    #: CPU per request of the API process: what a busy shared machine changes least.
    api_cpu_ms: float | None = None
    #: Cores busy (of the machine's) while acknowledging: all, and those of processes not this
    #: run's (client, API, worker, broker, PostgreSQL backends of its database).
    cores_busy: float | None = None
    cores_busy_by_others: float | None = None


@dataclass
class Applied:
    path: str
    payments: int
    #: Seconds from the last acknowledgement (raw: the last insert) until all were applied.
    seconds_after_last_ack: float
    #: Seconds from the first request until all were applied.
    seconds_in_all: float
    per_second_in_all: float
    lost: int
    double_applied: int
    #: Applied, but not (or not only) to the invoice the delivery named.
    paid_elsewhere: int
    worker_cpu_ms: float | None = None
    states: dict[str, int] = field(default_factory=dict)


@dataclass
class Report:
    when_utc: str
    load_average_before_after: tuple[float, float]
    open_invoices: int
    setup_seconds: dict[str, float]
    requests: int
    distinct_deliveries: int
    clients: int
    acknowledged: list[Acknowledged]
    applied: list[Applied]


def payment_id(payment: IncomingPayment) -> str:
    """The sender's id of a payment: what its source key ends with (the worker stores the
    payment as webhook:<source>:<id>)."""
    return payment.source_key.rsplit(":", 1)[1]


def payload(payment: IncomingPayment, k: int) -> bytes:
    """Half name the invoice by its RF reference, half by its number."""
    number = named_invoice(payment)
    data: dict[str, object] = {
        "payment_id": payment_id(payment),
        "amount": str(payment.amount),
        "currency": payment.currency,
        "received_on": payment.received_on.isoformat(),
        "payer_name": payment.payer_name,
    }
    if k % 2:
        data["invoice_numbers"] = [number]
    else:
        data["reference"] = make_rf(number)
    return json.dumps({"type": "payment.received", "data": data}).encode()


def deliveries_for(payments: list[IncomingPayment], requests: int) -> list[tuple[str, bytes]]:
    """(webhook-id, body) per request: every tenth re-sends the delivery before it."""
    deliveries: list[tuple[str, bytes]] = []
    unique = iter(enumerate(payments))
    for n in range(requests):
        if n % 10 == 9:
            deliveries.append(deliveries[-1])
        else:
            k, payment = next(unique)
            deliveries.append((f"msg_{payment_id(payment)}", payload(payment, k)))
    return deliveries


def unique_count(requests: int) -> int:
    return requests - requests // 10


def signed_requests(secret: str, port: int, deliveries: list[tuple[str, bytes]]) -> list[bytes]:
    """Whole HTTP/1.1 requests, signed before the clock starts (signing is the sender's work)."""
    requests = []
    for webhook_id, body in deliveries:
        headers = standard_headers(secret, body, webhook_id=webhook_id)
        lines = [f"POST {PATH} HTTP/1.1", f"host: 127.0.0.1:{port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        lines.append(f"content-length: {len(body)}")
        requests.append(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    return requests


async def delivery_states(dsn: str, id_prefix: str) -> dict[str, int]:
    connection = await asyncpg.connect(dsn)
    try:
        rows = await connection.fetch(
            "SELECT state, count(*) AS n FROM webhook_deliveries"
            " WHERE starts_with(event_id, $1) GROUP BY state",
            id_prefix,
        )
    finally:
        await connection.close()
    return {row["state"]: int(row["n"]) for row in rows}


async def backends(dsn: str) -> list[int]:
    """The PostgreSQL backends connected to the run's database (the processes' pools)."""
    connection = await asyncpg.connect(dsn)
    try:
        rows = await connection.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        )
    finally:
        await connection.close()
    return [int(row["pid"]) for row in rows]


async def wait_applied(dsn: str, id_prefix: str, expected: int, timeout: float) -> float:
    """Polls until `expected` deliveries whose webhook-id starts with id_prefix are applied:
    the moment (perf_counter) it saw them all, or the timeout's end."""
    connection = await asyncpg.connect(dsn)
    deadline = time.perf_counter() + timeout
    try:
        while time.perf_counter() < deadline:
            applied = await connection.fetchval(
                "SELECT count(*) FROM webhook_deliveries"
                " WHERE starts_with(event_id, $1) AND state = 'applied'",
                id_prefix,
            )
            if applied >= expected:
                break
            await asyncio.sleep(POLL_SECONDS)
        return time.perf_counter()
    finally:
        await connection.close()


def start_invoicing(
    role: str, database_url: str, port: int, sources: str, broker: EmbeddedBroker
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "INVOICING_DATABASE_URL": database_url,
        "INVOICING_PORT": str(port),
        "INVOICING_ROLE": role,
        "INVOICING_MIGRATE_ON_STARTUP": "false",
        "INVOICING_LOG_LEVEL": "WARNING",
        "INVOICING_WEBHOOK_SOURCES": sources,
        "INVOICING_BUSINESS_DATE": BUSINESS_DATE.isoformat(),
        "INVOICING_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers,
        "INVOICING_KAFKA_ENABLE_IDEMPOTENCE": "false",
    }
    if role == "api":
        env["INVOICING_DATABASE_POOL_SIZE"] = "20"
    command = [sys.executable, "-m", "invoicing", "serve"]
    # A file, not a pipe nobody reads while the bench runs (a full pipe would block it).
    LOGS.mkdir(parents=True, exist_ok=True)
    log = open(LOGS / f"payment_ingest-{role}.log", "wb")  # noqa: SIM115
    return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)


def acknowledged(path: str, latencies: list[float], seconds: float, stored: int) -> Acknowledged:
    return Acknowledged(
        path=path,
        requests=len(latencies),
        deliveries_stored=stored,
        seconds=round(seconds, 2),
        per_second=round(len(latencies) / seconds),
        p50_ms=round(percentile(latencies, 0.50), 1),
        p99_ms=round(percentile(latencies, 0.99), 1),
        max_ms=round(max(latencies) * 1000, 1),
    )


async def faults(url: str, payments: list[IncomingPayment]) -> tuple[int, int, int]:
    """Lost, applied twice, paid elsewhere than the invoice named."""
    engine = create_engine(url, pool_size=1)
    try:
        lost, twice = await count_faults(engine, len(payments), f"webhook:{SOURCE}:{RUN}-%")
        return lost, twice, await count_paid_elsewhere(engine, payments)
    finally:
        await engine.dispose()


async def platform(
    url: str, payments: list[IncomingPayment], warm_up: list[IncomingPayment], args: Namespace
) -> tuple[Acknowledged, Applied]:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    secret = new_standard_secret()
    sources = json.dumps(
        [{"name": SOURCE, "scheme": "standard", "secrets": [secret], "adapter": "standard"}]
    )
    broker = EmbeddedBroker().start()
    api_port = free_port_except({broker.port})
    worker_port = free_port_except({broker.port, api_port})
    api = start_invoicing("api", url, api_port, sources, broker)
    worker = start_invoicing("worker", url, worker_port, sources, broker)
    unique = len(payments)
    try:
        await wait_listening(api_port, api)
        await wait_listening(worker_port, worker)
        # Warm-up on other invoices: both processes' first requests, statements and batches.
        warm = signed_requests(secret, api_port, deliveries_for(warm_up, len(warm_up)))
        await http_clients(api_port, warm, args.clients)
        await wait_applied(dsn, f"msg_warm{RUN}-", unique_count(len(warm_up)), timeout=120)
        requests = signed_requests(secret, api_port, deliveries_for(payments, args.deliveries))
        ours = [os.getpid(), api.pid, worker.pid, *(await backends(dsn))]
        ours += [broker.pid] if broker.pid else []
        api_cpu, worker_cpu = cpu_seconds(api.pid), cpu_seconds(worker.pid)
        machine, ours_cpu = machine_busy_seconds(), processes_cpu_seconds(ours)
        started = time.perf_counter()
        latencies, last_ack = await http_clients(api_port, requests, args.clients)
        machine = machine_busy_seconds() - machine
        others = machine - (processes_cpu_seconds(ours) - ours_cpu)
        all_applied = await wait_applied(dsn, f"msg_{RUN}-", unique, timeout=args.apply_timeout)
        api_cpu, worker_cpu = cpu_seconds(api.pid) - api_cpu, cpu_seconds(worker.pid) - worker_cpu
    finally:
        stop(api)
        stop(worker)
        broker.stop()
    states = await delivery_states(dsn, f"msg_{RUN}-")
    ack = acknowledged(
        "http: signed, verified, stored, 202", latencies, last_ack - started, sum(states.values())
    )
    ack.api_cpu_ms = round(api_cpu * 1000 / len(latencies), 2)
    ack.cores_busy = round(machine / (last_ack - started), 2)
    ack.cores_busy_by_others = round(others / (last_ack - started), 2)
    lost, double, elsewhere = await faults(url, payments)
    applied = Applied(
        path="worker: applied (webhook job, batches)",
        payments=unique,
        seconds_after_last_ack=round(all_applied - last_ack, 2),
        seconds_in_all=round(all_applied - started, 2),
        per_second_in_all=round(unique / (all_applied - started)),
        lost=lost,
        double_applied=double,
        paid_elsewhere=elsewhere,
        worker_cpu_ms=round(worker_cpu * 1000 / unique, 2),
        states=states,
    )
    return ack, applied


RAW_INSERT_DELIVERY = (
    "INSERT INTO webhook_deliveries (id, source, event_id, state, body, payment, attempts,"
    " received_at, updated_at, next_attempt_at) VALUES ($1, $2, $3, 'received', $4, $5,"
    " 0, $6, $6, $6) ON CONFLICT (source, event_id) DO NOTHING RETURNING id"
)


async def raw_inserts(
    pool: asyncpg.Pool, deliveries: list[tuple[str, bytes]]
) -> tuple[list[float], float]:
    queue = iter(deliveries)
    latencies: list[float] = []
    last = 0.0

    async def client() -> None:
        nonlocal last
        async with pool.acquire() as connection:
            for webhook_id, body in queue:
                started = time.perf_counter()
                await connection.fetchval(
                    RAW_INSERT_DELIVERY,
                    uuid.uuid4(),
                    SOURCE,
                    webhook_id,
                    body,
                    body.decode(),
                    datetime.now(UTC),
                )
                last = time.perf_counter()
                latencies.append(last - started)

    await asyncio.gather(*(client() for _ in range(pool.get_max_size())))
    return latencies, last


async def raw_apply(connection: asyncpg.Connection, payment: IncomingPayment, k: int) -> None:
    """Applying one payment as plain SQL: the invoice it names, locked and paid, the payment,
    its movement and allocation, the delivery marked applied (no events, no credit balance)."""
    number = named_invoice(payment)
    async with connection.transaction():
        invoice = await connection.fetchrow(
            "SELECT id, customer_id, open_amount, paid_amount FROM invoices"
            f" WHERE {'number' if k % 2 else 'rf_reference'} = $1 FOR UPDATE",
            number if k % 2 else make_rf(number),
        )
        applied: Decimal = min(invoice["open_amount"], payment.amount)
        rest = payment.amount - applied
        payment_row = uuid.uuid4()
        await connection.execute(
            "INSERT INTO payments (id, customer_id, source, source_key, method, amount,"
            " currency, received_on, payer_name, state, unapplied_amount)"
            " VALUES ($1, $2, 'webhook', $3, 'bank_transfer', $4, $5, $6, $7, $8, $9)",
            payment_row,
            invoice["customer_id"],
            payment.source_key,
            payment.amount,
            payment.currency,
            payment.received_on,
            payment.payer_name,
            "partially_applied" if rest else "applied",
            rest,
        )
        open_after = invoice["open_amount"] - applied
        await connection.execute(
            "UPDATE invoices SET open_amount = $2, paid_amount = $3, state = $4 WHERE id = $1",
            invoice["id"],
            open_after,
            invoice["paid_amount"] + applied,
            "partially_paid" if open_after else "paid",
        )
        await connection.execute(
            "INSERT INTO invoice_movements (id, invoice_id, customer_id, currency, kind, amount,"
            " open_amount_after, business_date, source_id)"
            " VALUES ($1, $2, $3, $4, 'payment', $5, $6, $7, $8)",
            uuid.uuid4(),
            invoice["id"],
            invoice["customer_id"],
            payment.currency,
            -applied,
            open_after,
            payment.received_on,
            payment_row,
        )
        await connection.execute(
            "INSERT INTO payment_allocations (id, payment_id, invoice_id, amount, applied_on,"
            " funded_by) VALUES ($1, $2, $3, $4, $5, 'payment')",
            uuid.uuid4(),
            payment_row,
            invoice["id"],
            applied,
            payment.received_on,
        )
        await connection.execute(
            "UPDATE webhook_deliveries SET state = 'applied', attempts = 1, updated_at = now(),"
            " next_attempt_at = NULL WHERE source = $1 AND event_id = $2",
            SOURCE,
            f"msg_{payment_id(payment)}",
        )


async def raw(
    url: str, payments: list[IncomingPayment], args: Namespace
) -> tuple[Acknowledged, Applied]:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    deliveries = deliveries_for(payments, args.deliveries)
    inserters = await asyncpg.create_pool(dsn, min_size=args.clients, max_size=args.clients)
    appliers = await asyncpg.create_pool(dsn, min_size=args.raw_workers, max_size=args.raw_workers)
    queue = iter(enumerate(payments))

    async def applier() -> None:
        async with appliers.acquire() as connection:
            for k, payment in queue:
                await raw_apply(connection, payment, k)

    try:
        started = time.perf_counter()
        latencies, last_insert = await raw_inserts(inserters, deliveries)
        await asyncio.gather(*(applier() for _ in range(args.raw_workers)))
        all_applied = time.perf_counter()
    finally:
        await inserters.close()
        await appliers.close()
    states = await delivery_states(dsn, f"msg_{RUN}-")
    ack = acknowledged("raw asyncpg INSERT", latencies, last_insert - started, sum(states.values()))
    lost, double, elsewhere = await faults(url, payments)
    applied = Applied(
        path=f"raw SQL apply ({args.raw_workers} connections)",
        payments=len(payments),
        seconds_after_last_ack=round(all_applied - last_insert, 2),
        seconds_in_all=round(all_applied - started, 2),
        per_second_in_all=round(len(payments) / (all_applied - started)),
        lost=lost,
        double_applied=double,
        paid_elsewhere=elsewhere,
        states=states,
    )
    return ack, applied


async def copy_database(server: str, source: str, target: str) -> float:
    """The loaded database copied by PostgreSQL (CREATE DATABASE ... TEMPLATE): the raw path
    starts from the same invoices without loading them again."""
    admin = make_url(with_database(server, "postgres")).set(drivername="postgresql")
    connection = await asyncpg.connect(admin.render_as_string(hide_password=False))
    started = time.perf_counter()
    try:
        await connection.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
    finally:
        await connection.close()
    return time.perf_counter() - started


async def bench(server: str, args: Namespace) -> Report:
    prefix = f"bench{RUN}_"
    url = await fresh_database(INVOICING, server, f"{prefix}invoicing")
    load_seconds = await load_open_invoices(url, args.invoices)
    raw_url = with_database(server, f"{prefix}raw")
    copy_seconds = await copy_database(server, f"{prefix}invoicing", f"{prefix}raw")
    unique = unique_count(args.deliveries)
    chosen = payments_for(unique + WARM_UP, args.invoices, f"webhook:{SOURCE}:{RUN}-")
    payments = chosen[:unique]
    warm_up = [
        dataclasses.replace(p, source_key=f"webhook:{SOURCE}:warm{RUN}-{k}")
        for k, p in enumerate(chosen[unique:])
    ]
    load_before = os.getloadavg()[0]
    platform_ack, platform_applied = await platform(url, payments, warm_up, args)
    raw_ack, raw_applied = await raw(raw_url, payments, args)
    return Report(
        when_utc=datetime.now(UTC).isoformat(timespec="seconds"),
        load_average_before_after=(round(load_before, 2), round(os.getloadavg()[0], 2)),
        open_invoices=args.invoices,
        setup_seconds={"load": round(load_seconds, 1), "copy": round(copy_seconds, 1)},
        requests=args.deliveries,
        distinct_deliveries=unique,
        clients=args.clients,
        acknowledged=[platform_ack, raw_ack],
        applied=[platform_applied, raw_applied],
    )


def print_report(report: Report) -> None:
    print(
        f"{report.open_invoices} open invoices; {report.requests} requests"
        f" ({report.distinct_deliveries} distinct deliveries, a tenth re-sent),"
        f" {report.clients} keep-alive clients; {report.when_utc},"
        f" load average {report.load_average_before_after}"
    )
    print(
        f"{'acknowledged':38} {'req':>6} {'stored':>6} {'s':>6} {'req/s':>6}"
        f" {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'API CPU ms/req':>14}"
        f" {'cores busy (others)':>19}"
    )
    for a in report.acknowledged:
        cpu = "" if a.api_cpu_ms is None else str(a.api_cpu_ms)
        cores = "" if a.cores_busy is None else f"{a.cores_busy} ({a.cores_busy_by_others})"
        print(
            f"{a.path:38} {a.requests:6} {a.deliveries_stored:6} {a.seconds:6}"
            f" {a.per_second:6} {a.p50_ms:7} {a.p99_ms:7} {a.max_ms:7} {cpu:>14} {cores:>19}"
        )
    print(
        f"{'applied':38} {'pay':>6} {'s after last ack':>16} {'s in all':>8} {'pay/s':>6}"
        f" {'lost':>5} {'twice':>5} {'elsewhere':>9} {'worker CPU ms/pay':>17}"
    )
    for p in report.applied:
        cpu = "" if p.worker_cpu_ms is None else str(p.worker_cpu_ms)
        print(
            f"{p.path:38} {p.payments:6} {p.seconds_after_last_ack:16}"
            f" {p.seconds_in_all:8} {p.per_second_in_all:6} {p.lost:5}"
            f" {p.double_applied:5} {p.paid_elsewhere:9} {cpu:>17}   states {p.states}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--deliveries", type=int, default=10_000, help="requests, retries too")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--raw-workers", type=int, default=4)
    parser.add_argument("--apply-timeout", type=float, default=300)
    args = parser.parse_args()
    server = local_postgres_url() or start_embedded_postgres(ROOT / "var" / "bench-postgres")
    try:
        report = asyncio.run(bench(server, args))
    finally:
        asyncio.run(drop_databases_with_prefix(server, f"bench{RUN}_"))
    print_report(report)
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "payment_ingest.json").write_text(json.dumps(asdict(report), indent=2))
    faulty = [
        p.path
        for p in report.applied
        if p.lost or p.double_applied or p.paid_elsewhere or p.states != {"applied": p.payments}
    ]
    if faulty:
        raise SystemExit(f"lost, applied twice or elsewhere, or not applied: {faulty}")


if __name__ == "__main__":
    main()
