"""bench/credit_check: POST /v1/credit-checks over HTTP against a realistic book, beside the same
decision computed by one raw SQL statement through asyncpg.

The book: 50,000 customers with agreed terms whose exposure comes from 1,000,000 invoices,
loaded with INSERT ... SELECT generate_series straight into the projection tables (not through
events), then summarised per customer as the event handlers would.
credit-policy runs in its own processes (uvicorn, as deployed; by default two sharing the port,
one per core, as two replicas or workers would); the load generator and the raw statement run
in this one. Scenarios:
  paced     a fixed offered load (default 500 checks/s) for N seconds; latency is measured from
            each request's scheduled start (open loop: a slow answer does not slow the offer).
  flat out  C concurrent clients as fast as answers come back, for N seconds.
each for: HTTP without reservation, HTTP with reservation, raw SQL statement.

    .venv/bin/python bench/credit_check.py [--customers 50000] [--invoices 1000000]
        [--rate 500] [--seconds 10] [--concurrency 16] [--api-processes 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import random
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import httpx
import uvicorn
from sqlalchemy import text

from credit_policy.definition import SERVICE as CREDIT_POLICY
from receivables_shared.auth.keys import Scope, issue_api_key
from receivables_shared.db.admin import drop_databases_with_prefix
from receivables_shared.db.engine import create_engine, create_sessionmaker
from receivables_shared.devstack.postgres import local_postgres_url, start_embedded_postgres
from receivables_shared.http.app import create_app
from receivables_shared.testing.service import fresh_database, settings_for_tests

ROOT = Path(__file__).resolve().parents[1]
#: This run's database is named after it and dropped at the end.
RUN = uuid.uuid4().hex[:8]

#: Customer number n has the id 00000000-0000-0000-0000-<n in hex>.
CUSTOMER_ID = "('00000000-0000-0000-0000-' || lpad(to_hex({n}), 12, '0'))::uuid"

LOAD = [
    """INSERT INTO risk_classes (key, name, credit_allowed, default_credit_limit,
        payment_term_days, business_day_rule, prepayment_percent, early_payment_discount_percent,
        early_payment_discount_days, late_interest_percent_per_month, interest_grace_days,
        grace_days, dunning_policy, version)
       VALUES ('BENCH', 'Bench', true, 50000, 30, 'none', 30, 0, 0, 1.5, 0, 7, NULL, 1)""",
    f"""INSERT INTO customers (id, name, country, language, currency, time_zone, contacts,
        created_at)
       SELECT {CUSTOMER_ID.format(n="g")}, 'Customer ' || g, 'LV', 'lv', 'EUR', 'Europe/Riga',
              '[]'::jsonb, now()
       FROM generate_series(1, :customers) g""",
    # Limits from 20,000 to 120,000; one customer in 50 under special control.
    f"""INSERT INTO customer_credit (customer_id, risk_class_key, credit_limit, overrides,
        credit_allowed, decision_facts, special_control, terms_version, contract_signed_on,
        contract_clauses)
       SELECT {CUSTOMER_ID.format(n="g")}, 'BENCH', 20000 + (g % 11) * 10000, '{{}}'::jsonb, true,
              '{{}}'::jsonb, g % 50 = 0, 1, current_date - 400, ARRAY['late_interest']
       FROM generate_series(1, :customers) g""",
    # 20 invoices a customer on average, 50 to 2,549.99 each, due from 12 days ago to 77 days
    # ahead: some customers are overdue beyond their 7 days of grace.
    f"""INSERT INTO exposure_invoices (invoice_id, customer_id, currency, open_amount, due_date,
        order_reference, overdue_on, amount_as_of, due_date_as_of)
       SELECT md5('invoice' || g)::uuid, {CUSTOMER_ID.format(n="1 + g % :customers")}, 'EUR',
              CASE WHEN g % 5 = 0 THEN 0 ELSE 50 + (g::bigint * 7919 % 250000) / 100.0 END,
              current_date - 12 + (g * 31 % 90), 'SO-' || g, NULL, now(), now()
       FROM generate_series(1, :invoices) g""",
    """INSERT INTO customer_exposures (customer_id, currency, open_amount, oldest_open_due_date)
       SELECT customer_id, currency, sum(open_amount), min(due_date) FILTER (WHERE open_amount > 0)
       FROM exposure_invoices GROUP BY customer_id, currency""",
    # A few customers on hold by hand.
    f"""INSERT INTO credit_holds (id, customer_id, reason, stops, placed_on, placed_by)
       SELECT gen_random_uuid(), {CUSTOMER_ID.format(n="g")}, 'manual',
              ARRAY['new_credit']::varchar[], current_date, 'bench'
       FROM generate_series(1, :customers, 97) g""",
    # VACUUM too: freshly inserted tables would otherwise be vacuumed by autovacuum in the
    # middle of a measured scenario.
    "VACUUM ANALYZE",
]

#: The decision of POST /v1/credit-checks (credit_checks/service.py with the effective terms of
#: terms/effective.py) in one statement: $1 customer, $2 currency, $3 amount, $4 special-control
#: share of the limit.
RAW_LOCK = "SELECT 1 FROM customer_credit WHERE customer_id = $1 FOR UPDATE"
RAW_RESERVE = """
INSERT INTO credit_reservations (id, customer_id, currency, amount, order_reference, status,
    created_at, expires_at)
VALUES ($1, $2, $3, $4, $5, 'active', now(), now() + interval '30 minutes')
"""
RAW_DECISION = """
WITH terms AS (
    SELECT cu.currency,
           cc.credit_allowed AND coalesce(rc.credit_allowed, false)
               AND cc.contract_signed_on IS NOT NULL AS allowed,
           coalesce(cc.credit_limit, rc.default_credit_limit) AS credit_limit,
           coalesce((cc.overrides ->> 'grace_days')::int, rc.grace_days, 0) AS grace_days,
           coalesce((cc.overrides ->> 'prepayment_percent')::numeric, rc.prepayment_percent, 100)
               AS prepayment_percent,
           rc.key IS NOT NULL AS classified,
           cc.special_control
    FROM customers cu
    JOIN customer_credit cc ON cc.customer_id = cu.id
    LEFT JOIN risk_classes rc ON rc.key = cc.risk_class_key
    WHERE cu.id = $1
), position AS (
    SELECT coalesce(e.open_amount, 0) + coalesce((
               SELECT sum(r.amount) FROM credit_reservations r
               WHERE r.customer_id = $1 AND r.currency = $2 AND r.status = 'active'
                 AND r.expires_at > now()), 0) AS exposure,
           e.oldest_open_due_date,
           EXISTS (SELECT 1 FROM credit_holds h WHERE h.customer_id = $1
                   AND h.released_on IS NULL AND h.stops @> ARRAY['new_credit']::varchar[])
               AS on_hold
    FROM (SELECT 1) one
    LEFT JOIN customer_exposures e ON e.customer_id = $1 AND e.currency = $2
)
SELECT CASE
         WHEN t.currency IS NULL THEN 'declined'
         WHEN t.classified AND t.prepayment_percent >= 100 THEN 'prepayment_required'
         WHEN t.allowed AND p.exposure + $3 > coalesce(t.credit_limit, 0) THEN 'declined'
         WHEN p.on_hold OR p.oldest_open_due_date + t.grace_days < current_date THEN
              CASE WHEN t.prepayment_percent > 0 THEN 'prepayment_required' ELSE 'declined' END
         WHEN NOT t.allowed THEN 'referred'
         WHEN t.special_control AND $3 > t.credit_limit * $4 THEN 'referred'
         ELSE 'approved'
       END AS decision,
       t.credit_limit, p.exposure
FROM position p LEFT JOIN terms t ON true
"""


@dataclass
class Result:
    path: str
    scenario: str
    checks: int
    seconds: float
    per_second: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    decisions: dict[str, int]
    #: User + system CPU of the API process per check: what a busy shared machine changes least.
    api_cpu_ms: float | None = None
    #: The same for this process (the load generator, and the raw statement's client side).
    client_cpu_ms: float | None = None


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of the processes so far (Linux /proc)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def per_check(cpu: float, checks: int) -> float:
    return round(cpu * 1000 / max(checks, 1), 2)


def summarise(
    path: str, scenario: str, latencies: list[float], seconds: float, decisions: list[str]
) -> Result:
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 2)

    counts: dict[str, int] = {}
    for decision in decisions:
        counts[decision] = counts.get(decision, 0) + 1
    return Result(
        path,
        scenario,
        len(ordered),
        round(seconds, 2),
        round(len(ordered) / seconds),
        pct(0.50),
        pct(0.99),
        round(ordered[-1] * 1000, 2),
        counts,
    )


def serve(database_url: str, port: int, ready: Any) -> None:
    """credit-policy's API in this process, as deployed (role api, no access log). Several of
    these share the port (SO_REUSEPORT: the kernel spreads connections over them), as several
    uvicorn workers or replicas behind a service would."""
    settings = settings_for_tests(
        CREDIT_POLICY,
        database_url,
        "127.0.0.1:1",
        log_level="WARNING",
        migrate_on_startup=False,
    )
    app = create_app(CREDIT_POLICY, settings)
    # Keep-alive longer than any pause between runs: a connection closed by the server while
    # idle in the client's pool would fail the next request on it.
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", port))
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, timeout_keep_alive=600, log_config=None
    )

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            ready.release()  # listening: the load may start once every process is

    Server(config).run(sockets=[sock])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def prepare(server: str, customers: int, invoices: int) -> tuple[str, str]:
    url = await fresh_database(CREDIT_POLICY, server, f"bench{RUN}_credit_policy")
    engine = create_engine(url, pool_size=1)
    started = time.perf_counter()
    async with engine.begin() as connection:
        for statement in LOAD[:-1]:
            await connection.execute(
                text(statement), {"customers": customers, "invoices": invoices}
            )
    async with engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text(LOAD[-1]))
        # The load wrote a few hundred MB of WAL: flush it now, so the checkpoint it would
        # trigger does not stall the commits of the scenarios measured next.
        await connection.execute(text("CHECKPOINT"))
    took = time.perf_counter() - started
    print(f"loaded {customers} customers, {invoices} invoices in {took:.1f} s", flush=True)
    async with create_sessionmaker(engine)() as session, session.begin():
        key = (await issue_api_key(session, name="bench", scopes=[Scope.WRITE])).secret
    await engine.dispose()
    return url, key


def customer_id(n: int) -> uuid.UUID:
    return uuid.UUID(f"00000000-0000-0000-0000-{n:012x}")


Check = Callable[[int], Awaitable[str]]


#: Requests in flight at most in a paced run (and HTTP connections); a request waiting for
#: its turn still counts the wait in its latency.
IN_FLIGHT = 64


async def paced(check: Check, rate: float, seconds: float) -> tuple[list[float], float, list[str]]:
    """Offer `rate` checks a second; each latency counts from its scheduled start."""
    total = int(rate * seconds)
    latencies: list[float] = []
    decisions: list[str] = []
    start = time.perf_counter() + 0.1
    in_flight = asyncio.Semaphore(IN_FLIGHT)

    async def one(i: int) -> None:
        scheduled = start + i / rate
        await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
        async with in_flight:
            decisions.append(await check(i))
        latencies.append(time.perf_counter() - scheduled)

    await asyncio.gather(*(one(i) for i in range(total)))
    return latencies, time.perf_counter() - start, decisions


async def flat_out(
    check: Check, concurrency: int, seconds: float
) -> tuple[list[float], float, list[str]]:
    latencies: list[float] = []
    decisions: list[str] = []
    start = time.perf_counter()
    deadline = start + seconds
    counter = iter(range(10**9))

    async def client() -> None:
        while time.perf_counter() < deadline:
            sent = time.perf_counter()
            decisions.append(await check(next(counter)))
            latencies.append(time.perf_counter() - sent)

    await asyncio.gather(*(client() for _ in range(concurrency)))
    return latencies, time.perf_counter() - start, decisions


async def measure(
    args: argparse.Namespace, base_url: str, key: str, dsn: str, api_pids: list[int]
) -> list[Result]:
    rng = random.Random(7)
    picks = [rng.randint(1, args.customers) for _ in range(200_000)]
    amounts = [Decimal(rng.randint(100, 500_000)) / 100 for _ in range(len(picks))]
    results: list[Result] = []
    # aiohttp, not httpx, as the load generator: on this machine httpx's client-side cost per
    # request was larger than the server's and capped the measured rate.
    connector = aiohttp.TCPConnector(limit=IN_FLIGHT)
    async with (
        aiohttp.ClientSession(
            base_url=base_url,
            headers={"Authorization": f"Bearer {key}"},
            connector=connector,
            timeout=aiohttp.ClientTimeout(total=60),
        ) as client,
        asyncpg.create_pool(dsn, min_size=10, max_size=10) as pool,
    ):

        def http(reserve: bool, run: str) -> Check:
            async def check(i: int) -> str:
                n = i % len(picks)
                async with client.post(
                    "/v1/credit-checks",
                    json={
                        "customer_id": str(customer_id(picks[n])),
                        "amount": f"{amounts[n]:.2f}",
                        "currency": "EUR",
                        "order_reference": f"{run}-{i}",
                        "reserve": reserve,
                    },
                ) as response:
                    body = await response.json()
                    assert response.status == 200, body
                decision: str = body["decision"]
                return decision

            return check

        share = Decimal(50) / 100

        async def raw(i: int) -> str:
            n = i % len(picks)
            async with pool.acquire() as connection:
                row = await connection.fetchrow(
                    RAW_DECISION, customer_id(picks[n]), "EUR", amounts[n], share
                )
            assert row is not None
            decision: str = row["decision"]
            return decision

        async def raw_reserve(i: int) -> str:
            """The reserving check's writes in plain asyncpg: lock, decide, insert, commit (the
            floor a durable reservation has on this machine: a COMMIT waits for the WAL)."""
            n = i % len(picks)
            customer = customer_id(picks[n])
            async with pool.acquire() as connection, connection.transaction():
                await connection.execute(RAW_LOCK, customer)
                row = await connection.fetchrow(RAW_DECISION, customer, "EUR", amounts[n], share)
                assert row is not None
                decision: str = row["decision"]
                if decision == "approved":
                    await connection.execute(
                        RAW_RESERVE, uuid.uuid4(), customer, "EUR", amounts[n], f"raw-{i}"
                    )
            return decision

        # Same checks both ways first: the raw statement decides as the service does.
        started = time.perf_counter()
        for i in range(300):
            assert await http(False, "agree")(i) == await raw(i), f"check {i} disagrees"
        took = time.perf_counter() - started
        print(f"300 checks decided alike over HTTP and raw SQL ({took:.1f} s)", flush=True)
        # Warm up connections and caches, the reserving paths too: the first reserving
        # scenario after the load otherwise pays a one-time cost in its tail (p99 35-88 ms
        # when it ran first, 6.5 ms when the raw reserving path had run before it).
        await flat_out(http(False, "warm"), args.concurrency, 2)
        await flat_out(http(True, "warm-reserve"), args.concurrency, 2)
        await flat_out(raw, args.concurrency, 1)
        await flat_out(raw_reserve, args.concurrency, 1)

        scenario = f"paced {args.rate:g}/s"
        for path, check in [
            ("http", http(False, "paced")),
            ("http reserve", http(True, "paced-reserve")),
            ("raw sql", raw),
            ("raw sql reserve", raw_reserve),
        ]:
            cpu, own = cpu_seconds(api_pids), cpu_seconds([os.getpid()])
            latencies, seconds, decisions = await paced(check, args.rate, args.seconds)
            results.append(summarise(path, scenario, latencies, seconds, decisions))
            results[-1].client_cpu_ms = per_check(cpu_seconds([os.getpid()]) - own, len(latencies))
            if not path.startswith("raw"):
                results[-1].api_cpu_ms = per_check(cpu_seconds(api_pids) - cpu, len(latencies))
            print(results[-1], flush=True)
        scenario = f"flat out x{args.concurrency}"
        for path, check in [
            ("http", http(False, "flat")),
            ("http reserve", http(True, "flat-reserve")),
            ("raw sql", raw),
            ("raw sql reserve", raw_reserve),
        ]:
            cpu, own = cpu_seconds(api_pids), cpu_seconds([os.getpid()])
            latencies, seconds, decisions = await flat_out(check, args.concurrency, args.seconds)
            results.append(summarise(path, scenario, latencies, seconds, decisions))
            results[-1].client_cpu_ms = per_check(cpu_seconds([os.getpid()]) - own, len(latencies))
            if not path.startswith("raw"):
                results[-1].api_cpu_ms = per_check(cpu_seconds(api_pids) - cpu, len(latencies))
            print(results[-1], flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--rate", type=float, default=500, help="offered checks/s, paced runs")
    parser.add_argument("--seconds", type=float, default=10, help="length of each run")
    parser.add_argument("--concurrency", type=int, default=16, help="clients, flat-out runs")
    parser.add_argument(
        "--api-processes",
        type=int,
        default=2,
        help="API processes sharing the port (as replicas or uvicorn workers; one per core)",
    )
    args = parser.parse_args()

    server = local_postgres_url() or start_embedded_postgres(ROOT / "var" / "bench-postgres")
    apis: list[Any] = []
    try:
        url, key = asyncio.run(prepare(server, args.customers, args.invoices))
        port = free_port()
        spawn = mp.get_context("spawn")
        ready = spawn.Semaphore(0)
        for _ in range(args.api_processes):
            apis.append(spawn.Process(target=serve, args=(url, port, ready), daemon=True))
            apis[-1].start()
        for _ in apis:
            if not ready.acquire(timeout=60):
                raise RuntimeError("an API process did not start")
        base_url = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                httpx.get(f"{base_url}/health/live", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        dsn = url.replace("postgresql+asyncpg://", "postgresql://")
        results = asyncio.run(measure(args, base_url, key, dsn, [api.pid for api in apis]))
    finally:
        for api in apis:
            api.terminate()
            api.join()
        asyncio.run(drop_databases_with_prefix(server, f"bench{RUN}_"))
    print(
        f"{'path':<15} {'scenario':<15} {'checks':>7} {'seconds':>8} {'checks/s':>9} "
        f"{'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'API CPU ms':>10} {'client CPU ms':>13}"
        "  decisions"
    )
    for r in results:
        cpu = "" if r.api_cpu_ms is None else str(r.api_cpu_ms)
        print(
            f"{r.path:<15} {r.scenario:<15} {r.checks:>7} {r.seconds:>8} {r.per_second:>9} "
            f"{r.p50_ms:>8} {r.p99_ms:>8} {r.max_ms:>8} {cpu:>10} {r.client_cpu_ms!s:>13}"
            f"  {r.decisions}"
        )
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "credit_check.json").write_text(json.dumps([asdict(r) for r in results], indent=2))


if __name__ == "__main__":
    main()
