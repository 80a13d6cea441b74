"""bench/payment_allocation: time until every payment is applied, with 1,000,000 open invoices.

Measures, in one run on this machine, against a fresh invoicing database (real migrations):
  setup    1,000,000 open invoices of 100,000 customers, inserted with set-based SQL.
  platform the payments as the intakes hand them over (`receive_payment`: store once by its
           source key, match the invoice number in the remittance text, lock, post through the
           ledger, allocation rows, events in the outbox), by several workers at once, each
           committing per batch like the webhook worker. A tenth are delivered twice (a sender's
           retry) and must be applied once; a tenth overpay (credit balance).
  worker   the same payments as signed Standard Webhooks deliveries already stored in the inbox
           (as the HTTP intake acknowledges them, bench/payment_ingest), applied by the webhook
           worker's rounds (`apply_due_deliveries` with the AllocatingApplier: batches of 200,
           each applied set-based in one transaction, payments/batch.py) until none is due:
           the time until all applied; `--rounds N` runs N rounds at once.
  raw      the baseline: the same invoice updates and movement inserts as plain asyncpg SQL
           (SELECT ... FOR UPDATE, UPDATE, INSERT per payment), over as many connections.
At the end it counts: payments lost (not stored, or stored and not applied) and payments applied
twice (an invoice paid more than once by one payment, or more than its total).

    .venv/bin/python bench/payment_allocation.py [--invoices 1000000] [--payments 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

import asyncpg
from open_invoices import count_faults, load_open_invoices, named_invoice, payments_for
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from invoicing.definition import SERVICE as INVOICING
from invoicing.payments.service import IncomingPayment, receive_payment
from invoicing.payments.webhook_applier import AllocatingApplier
from invoicing.settings import Settings
from invoicing.webhooks import service
from invoicing.webhooks.signing import new_standard_secret, standard_headers
from invoicing.webhooks.sources import load_sources
from invoicing.webhooks.worker import apply_due_deliveries
from receivables_shared.clock import ManualClock, SystemClock
from receivables_shared.db.admin import drop_databases_with_prefix
from receivables_shared.db.engine import create_engine, create_sessionmaker
from receivables_shared.db.faults import is_transient
from receivables_shared.devstack.postgres import local_postgres_url, start_embedded_postgres
from receivables_shared.jobs import JobContext
from receivables_shared.testing.service import TEST_START, fresh_database

ROOT = Path(__file__).resolve().parents[1]
RUN = uuid.uuid4().hex[:8]
#: Payments per transaction. Above 1, two batches can lock two customers' invoices in opposite
#: orders: PostgreSQL then aborts one (deadlock, a transient fault) and the batch is retried.
BATCH = 1


@dataclass
class Result:
    path: str
    payments: int
    seconds: float
    per_second: float
    lost: int
    double_applied: int
    statements_per_payment: float = 0.0


def statement_counter(engine: object) -> list[int]:
    """Counts every SQL statement the engine sends (executemany counts once): [count]."""
    from sqlalchemy.ext.asyncio import AsyncEngine

    assert isinstance(engine, AsyncEngine)
    counted = [0]

    def count(*_: object) -> None:
        counted[0] += 1

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    return counted


async def platform(url: str, payments: list[IncomingPayment], workers: int) -> Result:
    engine = create_engine(url, pool_size=workers)
    sessions = create_sessionmaker(engine)
    clock = ManualClock(TEST_START)
    # A tenth delivered twice: the retry comes right after the original.
    deliveries = [p for k, p in enumerate(payments) for _ in range(2 if k % 10 == 9 else 1)]
    queue: asyncio.Queue[list[IncomingPayment]] = asyncio.Queue()
    for start in range(0, len(deliveries), BATCH):
        queue.put_nowait(deliveries[start : start + BATCH])

    async def worker() -> None:
        while not queue.empty():
            batch = queue.get_nowait()
            for _ in range(10):
                try:
                    async with sessions() as session, session.begin():
                        for payment in batch:
                            await receive_payment(session, clock, payment)
                    break
                except DBAPIError as error:
                    if not is_transient(error):
                        raise

    counted = statement_counter(engine)
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(workers)))
    seconds = time.perf_counter() - started
    statements = counted[0] / len(payments)
    lost, double = await count_faults(engine, len(payments), f"bench:{RUN}:%")
    await engine.dispose()
    per_second = len(payments) / seconds
    return Result("platform", len(payments), seconds, per_second, lost, double, statements)


async def worker_path(url: str, payments: list[IncomingPayment], parallel: int = 1) -> Result:
    """Deliveries stored as the HTTP intake stores them, then applied by the worker's rounds."""
    secret = new_standard_secret()
    sources = json.dumps(
        [{"name": "bench", "scheme": "standard", "secrets": [secret], "adapter": "standard"}]
    )
    settings = Settings(database_url=url, webhook_sources=sources)
    source = load_sources(sources)["bench"]
    engine = create_engine(url, pool_size=parallel + 1)
    sessions = create_sessionmaker(engine)
    clock = SystemClock()
    bodies = []
    for k, payment in enumerate(payments):
        body = json.dumps(
            {
                "type": "payment.received",
                "data": {
                    "payment_id": f"{RUN}-{k}",
                    "amount": str(payment.amount),
                    "currency": payment.currency,
                    "received_on": payment.received_on.isoformat(),
                    "payer_name": payment.payer_name,
                    "invoice_numbers": [named_invoice(payment)],
                },
            }
        ).encode()
        # A tenth delivered twice, as a sender's retry with the same webhook-id.
        bodies += [(k, body)] * (2 if k % 10 == 9 else 1)
    for start in range(0, len(bodies), 500):
        async with sessions() as session, session.begin():
            for k, body in bodies[start : start + 500]:
                headers = standard_headers(secret, body, webhook_id=f"msg_{RUN}_{k}")
                await service.receive_delivery(
                    session, clock, source, body, headers, settings.business_zone
                )
    context = JobContext(sessionmaker=sessions, clock=clock, settings=settings)
    applier = AllocatingApplier()
    counted = statement_counter(engine)
    started = time.perf_counter()

    async def rounds() -> None:
        # As the job on one replica each: until none is due, a deadlock's batch tried again.
        while True:
            try:
                if not await apply_due_deliveries(context, applier):
                    return
            except DBAPIError as error:
                if not is_transient(error):
                    raise

    await asyncio.gather(*(rounds() for _ in range(parallel)))
    seconds = time.perf_counter() - started
    statements = counted[0] / len(payments)
    lost, double = await count_faults(engine, len(payments), f"webhook:bench:{RUN}-%")
    await engine.dispose()
    per_second = len(payments) / seconds
    return Result("worker", len(payments), seconds, per_second, lost, double, statements)


async def raw(url: str, payments: list[IncomingPayment], workers: int) -> Result:
    """The same invoice updates and movement inserts, as plain SQL, nothing else."""
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    pool = await asyncpg.create_pool(dsn, min_size=workers, max_size=workers)
    queue: asyncio.Queue[IncomingPayment] = asyncio.Queue()
    for payment in payments:
        queue.put_nowait(payment)

    async def worker() -> None:
        async with pool.acquire() as connection:
            while not queue.empty():
                payment = queue.get_nowait()
                numbers = named_invoice(payment)
                async with connection.transaction():
                    row = await connection.fetchrow(
                        "SELECT id, customer_id, open_amount FROM invoices WHERE number = $1"
                        " FOR UPDATE",
                        numbers,
                    )
                    applied = min(row["open_amount"], payment.amount)
                    await connection.execute(
                        "UPDATE invoices SET open_amount = open_amount - $2,"
                        " paid_amount = paid_amount + $2 WHERE id = $1",
                        row["id"],
                        applied,
                    )
                    await connection.execute(
                        "INSERT INTO invoice_movements (id, invoice_id, customer_id, currency,"
                        " kind, amount, open_amount_after, business_date, source_id)"
                        " VALUES ($1, $2, $3, 'EUR', 'raw', $4, $5, $6, $7)",
                        uuid.uuid4(),
                        row["id"],
                        row["customer_id"],
                        -applied,
                        row["open_amount"] - applied,
                        payment.received_on,
                        uuid.uuid4(),
                    )

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(workers)))
    seconds = time.perf_counter() - started
    await pool.close()
    return Result("raw", len(payments), seconds, len(payments) / seconds, 0, 0)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--payments", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=1, help="worker rounds in parallel")
    parser.add_argument("--paths", default="platform,worker,raw", help="which paths to run")
    args = parser.parse_args()
    paths = set(args.paths.split(","))
    server = local_postgres_url() or start_embedded_postgres(ROOT / "var" / "bench-postgres")
    prefix = f"bench{RUN}_"
    try:
        platform_url = await fresh_database(INVOICING, server, f"{prefix}invoicing")
        worker_url = await fresh_database(INVOICING, server, f"{prefix}worker")
        raw_url = await fresh_database(INVOICING, server, f"{prefix}raw")
        setup_seconds = {}
        chosen = {"platform": platform_url, "worker": worker_url, "raw": raw_url}
        for url in (url for path, url in chosen.items() if path in paths):
            setup_seconds[url] = round(await load_open_invoices(url, args.invoices), 1)
        payments = payments_for(args.payments, args.invoices, f"bench:{RUN}:")
        results = []
        if "platform" in paths:
            results.append(await platform(platform_url, payments, args.workers))
        if "worker" in paths:
            results.append(await worker_path(worker_url, payments, args.rounds))
        if "raw" in paths:
            results.append(await raw(raw_url, payments, args.workers))
    finally:
        await drop_databases_with_prefix(server, prefix)
    report = {
        "open_invoices": args.invoices,
        "setup_seconds": list(setup_seconds.values()),
        "workers": args.workers,
        "results": [asdict(result) for result in results],
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
