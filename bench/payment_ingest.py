"""bench/payment_ingest: signed Standard Webhooks payments acknowledged over HTTP.

Measures, in one run on this machine:
  http  the platform's path: invoicing's API (`python -m invoicing serve`, uvicorn on a real
        port, its own process) receives signed deliveries from several concurrent keep-alive
        clients; each is verified, mapped, stored in webhook_deliveries and answered 202.
        Latency = request written -> response read, at the client.
  raw   the baseline: the same rows inserted with plain asyncpg (INSERT ... ON CONFLICT DO
        NOTHING RETURNING id, one autocommit statement each) over as many connections.
A tenth of the HTTP requests re-send an earlier delivery (a sender's retry): it must be
stored once. The run ends by counting rows: none lost, none twice.

    .venv/bin/python bench/payment_ingest.py [--deliveries 10000] [--clients 16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from invoicing.definition import SERVICE as INVOICING
from invoicing.webhooks.signing import new_standard_secret, standard_headers
from receivables_shared.db.admin import drop_databases_with_prefix
from receivables_shared.devstack.network import free_port_except
from receivables_shared.devstack.postgres import local_postgres_url, start_embedded_postgres
from receivables_shared.testing.service import fresh_database

ROOT = Path(__file__).resolve().parents[1]
RUN = uuid.uuid4().hex[:8]
SOURCE = "bank-standard"
PATH = f"/v1/webhooks/payments/{SOURCE}"


@dataclass
class Result:
    path: str
    requests: int
    stored: int
    seconds: float
    per_second: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    #: CPU the API process spent per request: what a busy shared machine does not change.
    server_cpu_ms: float | None = None


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000


def payload(n: int) -> bytes:
    return json.dumps(
        {
            "type": "payment.received",
            "data": {
                "payment_id": f"pay_{RUN}_{n}",
                "amount": f"{100 + n % 900}.{n % 100:02d}",
                "currency": "EUR",
                "received_on": "2026-03-02",
                "payer_name": "SIA Koks",
                "payer_iban": "LV80BANK0000435195001",
                "reference": "RF18539007547034",
                "customer_external_id": f"erp-{n % 1000}",
                "invoice_numbers": [f"INV-2026-{n:06d}"],
            },
        }
    ).encode()


def signed_requests(secret: str, port: int, deliveries: int) -> list[bytes]:
    """Whole HTTP/1.1 requests, signed before the clock starts (signing is the sender's work).
    Every tenth request repeats the delivery before it: a retry, same webhook-id."""
    requests = []
    for n in range(deliveries):
        unique = n - 1 if n % 10 == 9 else n
        body = payload(unique)
        headers = standard_headers(secret, body, webhook_id=f"msg_{RUN}_{unique}")
        lines = [f"POST {PATH} HTTP/1.1", f"host: 127.0.0.1:{port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        lines.append(f"content-length: {len(body)}")
        requests.append(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    return requests


async def read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await reader.readexactly(length)
    return status


async def http_clients(
    port: int, requests: list[bytes], clients: int, expected: int = 202
) -> tuple[list[float], float]:
    """Closed loop: each keep-alive client sends its next request when the last is answered."""
    queue = iter(requests)
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    async def client() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for request in queue:
            started = time.perf_counter()
            writer.write(request)
            status = await read_response(reader)
            latencies.append(time.perf_counter() - started)
            statuses[status] = statuses.get(status, 0) + 1
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.perf_counter() - started
    if set(statuses) != {expected}:
        raise SystemExit(f"not every request was answered {expected}: {statuses}")
    return latencies, elapsed


async def raw_inserts(dsn: str, rows: int, clients: int) -> tuple[list[float], float]:
    pool = await asyncpg.create_pool(dsn, min_size=clients, max_size=clients)
    statement = (
        "INSERT INTO webhook_deliveries (id, source, event_id, state, body, payment, attempts,"
        " received_at, updated_at, next_attempt_at) VALUES ($1, $2, $3, 'received', $4, $5,"
        " 0, $6, $6, $6) ON CONFLICT (source, event_id) DO NOTHING RETURNING id"
    )
    queue = iter(range(rows))
    latencies: list[float] = []

    async def client() -> None:
        async with pool.acquire() as connection:
            for n in queue:
                body = payload(n)
                started = time.perf_counter()
                await connection.fetchval(
                    statement,
                    uuid.uuid4(),
                    "raw",
                    f"raw_{RUN}_{n}",
                    body,
                    body.decode(),
                    datetime.now(UTC),
                )
                latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.perf_counter() - started
    await pool.close()
    return latencies, elapsed


async def count(dsn: str, source: str) -> tuple[int, int]:
    connection = await asyncpg.connect(dsn)
    try:
        rows = await connection.fetchval(
            "SELECT count(*) FROM webhook_deliveries WHERE source = $1", source
        )
        distinct = await connection.fetchval(
            "SELECT count(DISTINCT event_id) FROM webhook_deliveries WHERE source = $1", source
        )
    finally:
        await connection.close()
    return int(rows), int(distinct)


def start_api(database_url: str, port: int, sources: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "INVOICING_DATABASE_URL": database_url,
        "INVOICING_PORT": str(port),
        "INVOICING_ROLE": "api",
        "INVOICING_MIGRATE_ON_STARTUP": "false",
        "INVOICING_LOG_LEVEL": "WARNING",
        "INVOICING_WEBHOOK_SOURCES": sources,
        "INVOICING_DATABASE_POOL_SIZE": "20",
    }
    command = [sys.executable, "-m", "invoicing", "serve"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


async def wait_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise SystemExit(f"the API exited: {process.stderr.read() if process.stderr else ''!r}")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.1)
            continue
        writer.close()
        return
    raise SystemExit("the API did not start")


def summary(path: str, latencies: list[float], seconds: float, stored: int) -> Result:
    return Result(
        path=path,
        requests=len(latencies),
        stored=stored,
        seconds=round(seconds, 2),
        per_second=round(len(latencies) / seconds),
        p50_ms=round(percentile(latencies, 0.50), 1),
        p99_ms=round(percentile(latencies, 0.99), 1),
        max_ms=round(max(latencies) * 1000, 1),
    )


async def bench(server: str, deliveries: int, clients: int) -> list[Result]:
    url = await fresh_database(INVOICING, server, f"bench{RUN}_invoicing")
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    secret = new_standard_secret()
    sources = json.dumps(
        [{"name": SOURCE, "scheme": "standard", "secrets": [secret], "adapter": "standard"}]
    )
    port = free_port_except(set())
    api = start_api(url, port, sources)
    try:
        await wait_listening(port, api)
        requests = signed_requests(secret, port, deliveries)
        await http_clients(port, requests[: min(500, deliveries)], clients)  # warm-up
        await _truncate(dsn)
        cpu_before = cpu_seconds(api.pid)
        latencies, seconds = await http_clients(port, requests, clients)
        server_cpu = cpu_seconds(api.pid) - cpu_before
    finally:
        api.terminate()
        api.wait(timeout=30)
    rows, distinct = await count(dsn, SOURCE)
    unique = len({n - 1 if n % 10 == 9 else n for n in range(deliveries)})
    if rows != unique or distinct != unique:
        raise SystemExit(f"stored {rows} rows ({distinct} distinct) for {unique} deliveries")
    http = summary("http (signed, verified, stored, 202)", latencies, seconds, rows)
    http.server_cpu_ms = round(server_cpu * 1000 / deliveries, 2)
    raw_latencies, raw_seconds = await raw_inserts(dsn, deliveries, clients)
    raw_rows, _ = await count(dsn, "raw")
    raw = summary("raw asyncpg INSERT", raw_latencies, raw_seconds, raw_rows)
    return [http, raw]


async def _truncate(dsn: str) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute("TRUNCATE webhook_deliveries")
    finally:
        await connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deliveries", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    server = local_postgres_url() or start_embedded_postgres(ROOT / "var" / "bench-postgres")
    try:
        results = asyncio.run(bench(server, args.deliveries, args.clients))
    finally:
        asyncio.run(drop_databases_with_prefix(server, f"bench{RUN}_"))
    print(f"{args.deliveries} deliveries, {args.clients} concurrent keep-alive clients")
    print(
        f"{'path':38} {'req':>6} {'stored':>6} {'s':>6} {'req/s':>6}"
        f" {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'API CPU ms/req':>14}"
    )
    for r in results:
        cpu = "" if r.server_cpu_ms is None else str(r.server_cpu_ms)
        print(
            f"{r.path:38} {r.requests:6} {r.stored:6} {r.seconds:6} {r.per_second:6}"
            f" {r.p50_ms:7} {r.p99_ms:7} {r.max_ms:7} {cpu:>14}"
        )
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "payment_ingest.json").write_text(json.dumps([asdict(r) for r in results], indent=2))


if __name__ == "__main__":
    main()
