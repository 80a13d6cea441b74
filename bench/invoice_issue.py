"""bench/invoice_issue: issuing invoices, importing a ledger, and the overdue-and-interest job.

Measures, in one run on this machine, each beside a baseline measured in the same run:
  issue      POST /v1/invoices over HTTP to the real app (uvicorn in its own process) from
             --concurrency clients: invoices/s and p50/p99 latency. Baseline: the same rows
             (counter, invoice, line, issue movement, outbox event) written as raw SQL through
             asyncpg, one transaction per invoice, from as many connections.
  import     POST /v1/imports/invoices with a CSV of --import-rows open items (validated whole,
             loaded in one transaction, InvoiceIssued per row).
  overdue    the overdue-and-interest job over --open-invoices open invoices loaded with
             generate_series: the first run (all newly overdue + one day of interest), the next
             day's run (interest only) and a repeat of that day (no work). Baselines: record_event
             one by one (per 1,000,000, from a sample), and the plainest SQL writing the same
             rows (one UPDATE, one INSERT of movements; no events).

    .venv/bin/python bench/invoice_issue.py [--invoices 2000] [--concurrency 16]
        [--import-rows 100000] [--open-invoices 1000000] [--only-overdue]
        [--batch-size N] [--parallel N]   (the overdue job's settings, to compare)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import statistics
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import asyncpg
import httpx
import uvicorn
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from invoicing.definition import SERVICE as INVOICING
from invoicing.overdue.job import overdue_and_interest
from invoicing.settings import Settings
from receivables_shared.auth.keys import Scope, issue_api_key
from receivables_shared.clock import ManualClock
from receivables_shared.db.admin import drop_databases_with_prefix
from receivables_shared.db.engine import create_engine, create_sessionmaker
from receivables_shared.devstack.network import free_port, port_answers
from receivables_shared.devstack.postgres import local_postgres_url, start_embedded_postgres
from receivables_shared.events import InvoiceOverdue
from receivables_shared.http.app import create_app
from receivables_shared.jobs import JobContext
from receivables_shared.outbox import record_event
from receivables_shared.outbox.models import lane_of
from receivables_shared.testing.service import fresh_database, settings_for_tests

ROOT = Path(__file__).resolve().parents[1]
#: This run's database is named after it and dropped at the end.
RUN = uuid.uuid4().hex[:8]
CUSTOMERS = [uuid.uuid4() for _ in range(1000)]
LINE = {"description": "Consulting", "quantity": "2", "unit_price": "600.25"}


@dataclass
class Result:
    what: str
    path: str
    rows: int
    seconds: float
    per_second: float
    p50_ms: float | None = None
    p99_ms: float | None = None


def result(
    what: str, path: str, rows: int, seconds: float, latencies: list[float] | None = None
) -> Result:
    p50 = p99 = None
    if latencies:
        cuts = statistics.quantiles(latencies, n=100)
        p50, p99 = round(cuts[49] * 1000, 1), round(cuts[98] * 1000, 1)
    return Result(what, path, rows, round(seconds, 2), round(rows / seconds), p50, p99)


def serve(url: str, port: int) -> None:
    settings = settings_for_tests(INVOICING, url, "127.0.0.1:1", role="api", log_level="WARNING")
    uvicorn.run(create_app(INVOICING, settings), host="127.0.0.1", port=port, log_level="warning")


async def prepare(url: str) -> str:
    """Known customers and a write key; returns the key's secret."""
    engine = create_engine(url, pool_size=1)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            await session.execute(
                text(
                    "INSERT INTO known_customers (id, name, language, currency, country)"
                    " SELECT id, 'SIA Koks', 'lv', 'EUR', 'LV' FROM unnest(CAST(:ids AS uuid[])) id"
                ),
                {"ids": CUSTOMERS},
            )
            return (await issue_api_key(session, name="bench", scopes=[Scope.WRITE])).secret
    finally:
        await engine.dispose()


async def issue_over_http(base: str, secret: str, invoices: int, concurrency: int) -> Result:
    latencies: list[float] = []
    retries: list[int] = []
    counter = iter(range(invoices))
    headers = {"Authorization": f"Bearer {secret}"}
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base, headers=headers, limits=limits, timeout=30
    ) as client:

        async def worker() -> None:
            for i in counter:
                body = {"customer_id": str(CUSTOMERS[i % len(CUSTOMERS)]), "currency": "EUR",
                        "lines": [LINE]}  # fmt: skip
                started = time.perf_counter()
                response = await client.post("/v1/invoices", json=body)
                while response.status_code == 503:  # the counter's lock wait timed out: retry
                    retries.append(i)
                    await asyncio.sleep(float(response.headers.get("Retry-After", "1")))
                    response = await client.post("/v1/invoices", json=body)
                latencies.append(time.perf_counter() - started)
                assert response.status_code == 201, response.text

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - started
    path = f"HTTP POST /v1/invoices ({len(retries)} retried after a 503)"
    return result("issue", path, invoices, seconds, latencies)


RAW_INVOICE = """
INSERT INTO invoices (id, number, series, customer_id, currency, net_total, tax_total, total,
    open_amount, paid_amount, state, issue_date, due_date, original_due_date, issued_at,
    issuing_system, rf_reference, payment_term_days, terms_source, business_day_rule)
VALUES ($1, $2, 'RAW', $3, 'EUR', 1200.50, 0, 1200.50, 1200.50, 0, 'issued', $4, $5, $5, now(),
    'bench', $6, 30, 'defaults', 'none')
"""
RAW_LINE = """
INSERT INTO invoice_lines (id, invoice_id, position, description, quantity, unit_price, tax_rate,
    net, tax, gross) VALUES ($1, $2, 1, 'Consulting', 2, 600.25, 0, 1200.50, 0, 1200.50)
"""
RAW_MOVEMENT = """
INSERT INTO invoice_movements (id, invoice_id, customer_id, currency, kind, amount,
    open_amount_after, business_date, source_id)
VALUES ($1, $2, $3, 'EUR', 'issue', 1200.50, 1200.50, $4, $2)
"""
RAW_OUTBOX = """
INSERT INTO outbox_events (event_id, event_type, topic, partition_key, lane, source, occurred_at,
    payload) VALUES ($1, 'receivables.InvoiceIssued.v1', 'invoicing.events', $2, $3, '/invoicing',
    now(), $4::jsonb)
"""


async def issue_as_raw_sql(url: str, invoices: int, concurrency: int) -> Result:
    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    connections = [await asyncpg.connect(dsn) for _ in range(concurrency)]
    latencies: list[float] = []
    counter = iter(range(invoices))
    today = date.today()

    async def worker(connection: asyncpg.Connection) -> None:
        for i in counter:
            customer, invoice = CUSTOMERS[i % len(CUSTOMERS)], uuid.uuid4()
            started = time.perf_counter()
            async with connection.transaction():
                sequence = await connection.fetchval(
                    "INSERT INTO number_counters (series, year, last_number) VALUES ('RAW', $1, 1)"
                    " ON CONFLICT (series, year) DO UPDATE"
                    " SET last_number = number_counters.last_number + 1 RETURNING last_number",
                    today.year,
                )
                number = f"RAW-{today.year}-{sequence:06d}"
                await connection.execute(RAW_INVOICE, invoice, number, customer, today, today,
                                         f"RFRAW{sequence}")  # fmt: skip
                await connection.execute(RAW_LINE, uuid.uuid4(), invoice)
                await connection.execute(RAW_MOVEMENT, uuid.uuid4(), invoice, customer, today)
                payload = {"customer_id": str(customer), "invoice_id": str(invoice),
                           "number": number, "total": "1200.50"}  # fmt: skip
                await connection.execute(RAW_OUTBOX, uuid.uuid4(), str(customer),
                                         lane_of(str(customer)), json.dumps(payload))  # fmt: skip
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker(connection) for connection in connections))
    seconds = time.perf_counter() - started
    for connection in connections:
        await connection.close()
    return result("issue", "raw SQL (asyncpg), same rows", invoices, seconds, latencies)


async def import_over_http(base: str, secret: str, rows: int) -> Result:
    header = "number,customer_id,currency,issue_date,due_date,total,paid_amount,order_reference"
    lines = [header] + [
        f"OLD/{n},{CUSTOMERS[n % len(CUSTOMERS)]},EUR,2026-01-{n % 28 + 1:02d},"
        f"2026-02-{n % 28 + 1:02d},{100 + n % 900}.{n % 100:02d},{n % 3 * 10}.00,PO-{n}"
        for n in range(rows)
    ]
    body = "\n".join(lines).encode()
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "text/csv"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=600) as client:
        started = time.perf_counter()
        response = await client.post("/v1/imports/invoices", content=body)
        seconds = time.perf_counter() - started
    assert response.status_code == 201, response.text[:2000]
    assert response.json()["imported"] == rows
    return result(
        "import", f"HTTP POST /v1/imports/invoices (CSV, {len(body) >> 20} MiB)", rows, seconds
    )


LOAD_OPEN_INVOICES = """
INSERT INTO invoices (id, number, series, customer_id, currency, net_total, tax_total, total,
    open_amount, paid_amount, state, issue_date, due_date, original_due_date, issued_at,
    issuing_system, rf_reference, payment_term_days, terms_source, business_day_rule,
    late_interest_percent_per_month, interest_grace_days)
SELECT gen_random_uuid(), 'BENCH-' || g, 'BENCH',
    (CAST(:customers AS uuid[]))[g % 1000 + 1], 'EUR', 1000, 210, 1210, 1210, 0, 'issued',
    date '2026-01-01', date '2026-02-01' + g % 20, date '2026-02-01' + g % 20, now(), 'bench',
    'RFBENCH' || g, 31, 'defaults', 'none', 1.5, g % 3
FROM generate_series(1, :n) AS g
"""


async def hot_updates(engine: AsyncEngine) -> str:
    """Updates of invoices so far, and how many were HOT (wrote no index)."""
    async with engine.connect() as connection:
        await connection.execute(text("SELECT pg_stat_force_next_flush()"))
        row = (
            await connection.execute(
                text(
                    "SELECT n_tup_upd, n_tup_hot_upd, pg_relation_size('invoices') / 8192"
                    " FROM pg_stat_user_tables WHERE relname = 'invoices'"
                )
            )
        ).one()
    return f"updates so far {row[0]:,}, HOT {row[1]:,}, table pages {row[2]:,}"


async def checkpoint(engine: AsyncEngine) -> None:
    """Start a timed step with no checkpoint owed by the step before (the load writes GBs of
    WAL): each step pays for the checkpoints its own WAL causes, not for its predecessor's."""
    async with engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text("CHECKPOINT"))


async def wal_counters(engine: AsyncEngine) -> tuple[int, int, int]:
    """WAL bytes, full-page images and checkpoints so far, server-wide (other databases'
    writes count too; a run of the job writes gigabytes, so they show)."""
    async with engine.connect() as connection:
        row = (
            await connection.execute(
                text(
                    "SELECT wal_bytes, wal_fpi,"
                    " (SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter)"
                    " FROM pg_stat_wal"
                )
            )
        ).one()
    return int(row[0]), int(row[1]), int(row[2])


def wal_written(before: tuple[int, int, int], after: tuple[int, int, int]) -> str:
    wal, images, checkpoints = (a - b for a, b in zip(after, before, strict=True))
    return f"WAL {wal >> 20:,} MiB, {images:,} full-page images, {checkpoints} checkpoints"


async def overdue_job(url: str, open_invoices: int, job_settings: dict[str, int]) -> list[Result]:
    engine = create_engine(url, pool_size=2)
    sessionmaker = create_sessionmaker(engine)
    settings = settings_for_tests(INVOICING, url, "127.0.0.1:1", **job_settings)
    assert isinstance(settings, Settings)
    print(
        f"  overdue job: batches of {settings.overdue_job_batch_size:,},"
        f" {settings.overdue_job_parallel_batches} at once"
    )
    results: list[Result] = []
    try:
        async with engine.begin() as connection:
            await connection.execute(text("SET LOCAL statement_timeout = 0"))
            await connection.execute(
                text(LOAD_OPEN_INVOICES), {"customers": CUSTOMERS, "n": open_invoices}
            )
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("VACUUM ANALYZE invoices"))

        # Baseline: the ORM path of record_event, measured on a sample and scaled.
        sample = 20_000
        async with sessionmaker() as session, session.begin():
            clock = ManualClock(datetime(2026, 3, 2, 9, tzinfo=UTC))
            started = time.perf_counter()
            for n in range(sample):
                record_event(session, InvoiceOverdue(
                    customer_id=CUSTOMERS[n % 1000], invoice_id=uuid.uuid4(), number=f"X-{n}",
                    currency="EUR", due_date=date(2026, 2, 1), overdue_on=date(2026, 2, 2),
                    open_amount=Decimal("1210.00"),
                ), clock=clock)  # fmt: skip
            await session.flush()
            seconds = (time.perf_counter() - started) * open_invoices / sample
            await session.rollback()
        results.append(result("overdue", f"baseline: record_event one by one (from {sample:,})",
                              open_invoices, seconds))  # fmt: skip

        for label, day in (
            ("job, first run: all newly overdue + interest", date(2026, 3, 2)),
            ("job, next day: interest only", date(2026, 3, 3)),
            ("job, same day again: nothing to do", date(2026, 3, 3)),
        ):
            clock = ManualClock(datetime(day.year, day.month, day.day, 9, tzinfo=UTC))
            context = JobContext(sessionmaker=sessionmaker, clock=clock, settings=settings)
            await checkpoint(engine)
            wal_before = await wal_counters(engine)
            started = time.perf_counter()
            run = await overdue_and_interest(context)
            seconds = time.perf_counter() - started
            wal = wal_written(wal_before, await wal_counters(engine))
            print(f"  {label}: {run}, {await hot_updates(engine)}, {wal}")
            results.append(result("overdue", label, open_invoices, seconds))

        # Baseline: the same number of rows written by the plainest SQL, no events.
        await checkpoint(engine)
        wal_before = await wal_counters(engine)
        async with engine.begin() as connection:
            await connection.execute(text("SET LOCAL statement_timeout = 0"))
            started = time.perf_counter()
            await connection.execute(
                text(
                    "UPDATE invoices SET open_amount = open_amount + 0.01,"
                    " interest_accrued_through = date '2026-03-04'"
                    " WHERE open_amount > 0 AND due_date < date '2026-03-04' AND series = 'BENCH'"
                )
            )
            await connection.execute(
                text(
                    "INSERT INTO invoice_movements (id, invoice_id, customer_id, currency, kind,"
                    " amount, open_amount_after, business_date, source_id)"
                    " SELECT gen_random_uuid(), id, customer_id, currency, 'late_fee', 0.01,"
                    " open_amount, date '2026-03-04', gen_random_uuid()"
                    " FROM invoices WHERE series = 'BENCH'"
                )
            )
            seconds = time.perf_counter() - started
        wal = wal_written(wal_before, await wal_counters(engine))
        print(f"  baseline, plain UPDATE + INSERT: {wal}")
        results.append(result("overdue", "baseline: plain UPDATE + INSERT, no events",
                              open_invoices, seconds))  # fmt: skip
    finally:
        await engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invoices", type=int, default=2000, help="invoices issued per path")
    parser.add_argument("--concurrency", type=int, default=16, help="clients / connections")
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--open-invoices", type=int, default=1_000_000)
    parser.add_argument("--only-overdue", action="store_true", help="the overdue part alone")
    parser.add_argument("--batch-size", type=int, help="the job's batch size (default: settings)")
    parser.add_argument(
        "--parallel", type=int, help="the job's batches at once (default: settings)"
    )
    args = parser.parse_args()
    job_settings = {
        name: value
        for name, value in (
            ("overdue_job_batch_size", args.batch_size),
            ("overdue_job_parallel_batches", args.parallel),
        )
        if value is not None
    }

    server = local_postgres_url() or start_embedded_postgres(ROOT / "var" / "bench-postgres")
    results: list[Result] = []
    try:
        url = asyncio.run(fresh_database(INVOICING, server, f"bench{RUN}_invoicing"))
        secret = asyncio.run(prepare(url))
        if not args.only_overdue:
            port = free_port()
            app = mp.get_context("spawn").Process(target=serve, args=(url, port), daemon=True)
            app.start()
            try:
                deadline = time.monotonic() + 60
                while not port_answers("127.0.0.1", port):
                    assert time.monotonic() < deadline and app.is_alive(), "the app did not start"
                    time.sleep(0.2)
                base = f"http://127.0.0.1:{port}"
                results.append(
                    asyncio.run(issue_over_http(base, secret, args.invoices, args.concurrency))
                )
                results.append(asyncio.run(issue_as_raw_sql(url, args.invoices, args.concurrency)))
                results.append(asyncio.run(import_over_http(base, secret, args.import_rows)))
            finally:
                app.terminate()
                app.join(10)
        results.extend(asyncio.run(overdue_job(url, args.open_invoices, job_settings)))
    finally:
        asyncio.run(drop_databases_with_prefix(server, f"bench{RUN}_"))
    print(f"{'what':<8} {'path':<56} {'rows':>9} {'seconds':>8} {'rows/s':>9} p50/p99 ms")
    for r in results:
        latency = f"{r.p50_ms}/{r.p99_ms}" if r.p50_ms is not None else ""
        print(f"{r.what:<8} {r.path:<56} {r.rows:>9} {r.seconds:>8} {r.per_second:>9} {latency}")
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    name = "invoice_issue.overdue.json" if args.only_overdue else "invoice_issue.json"
    (out / name).write_text(json.dumps([asdict(r) for r in results], indent=2))


if __name__ == "__main__":
    main()
