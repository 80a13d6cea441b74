"""All SQL of the overdue-and-interest job: a few set-based statements over every open invoice.

One statement marks the invoices whose due date has passed, accrues their interest, posts the
interest movements (data-modifying CTEs fed by UPDATE ... RETURNING) and copies what it changed
into a temporary table of this run; the events are then inserted from that table in bulk.
Nothing loops over rows in Python.

A batch is a range of the table's pages (ctid, a TID range scan), not of ids: each batch reads
and dirties its own pages once, where a range of random UUIDs touched about 40 % of the
table's pages in every batch (issue 8, docs/benchmarks.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.invoices.models import InvoiceState
from invoicing.ledger.models import MovementKind
from receivables_shared.clock import Clock
from receivables_shared.db.time_ordered_ids import TIME_ORDERED_UUID
from receivables_shared.events import InvoiceOverdue, LateFeeCharged
from receivables_shared.money import minor_units
from receivables_shared.outbox import record_events_in_bulk
from receivables_shared.reference_codes import CURRENCIES

#: States in which an invoice with an open amount can fall overdue and accrue interest.
ACCRUING_STATES = (
    InvoiceState.ISSUED.value,
    InvoiceState.PARTIALLY_PAID.value,
    InvoiceState.OVERDUE.value,
    InvoiceState.DISPUTED.value,
)

#: One transaction at a time per batch (its range's first page): a second replica, or run-job
#: beside the worker, that finds a batch taken leaves it to the run holding it and goes on with
#: the next. This only shares the work out; what keeps a change from being made twice is the
#: UPDATE's re-check of the row (two replicas may cut the table into different ranges).
_BATCH_LOCK = (
    "SELECT pg_try_advisory_xact_lock("
    "hashtext('invoicing.overdue-and-interest'), CAST(:lower AS integer))"
)
#: A safety margin for a large batch on a busy database (a worker allows 60 s by default).
#: JIT compiling costs more than it saves on a batch's short statements. work_mem: the DISTINCT
#: customers and the joins of a batch stay in memory.
_RUN_SETTINGS = (
    "SELECT set_config('statement_timeout', '600s', true), set_config('jit', 'off', true),"
    " set_config('work_mem', '64MB', true)"
)

_RUN_TABLE = """
CREATE TEMPORARY TABLE IF NOT EXISTS overdue_run (
    invoice_id uuid NOT NULL,
    customer_id uuid NOT NULL,
    number text NOT NULL,
    currency text NOT NULL,
    due_date date NOT NULL,
    newly_overdue boolean NOT NULL,
    interest numeric(19, 3) NOT NULL,
    period_start date NOT NULL,
    open_amount numeric(19, 3) NOT NULL,
    digits int NOT NULL,
    source_id uuid NOT NULL,
    -- The interest movement's ledger sequence (LateFeeCharged carries it); NULL: no interest.
    movement_sequence bigint
) ON COMMIT DROP
"""


def _minor_units_of(column: str) -> str:
    """SQL: the minor units of the currency code in `column`, as literals (a currency no longer
    in the reference list rounds to 2 decimals). A join to an unnest() of the list, as before,
    was planned as a nested loop: 154 comparisons per invoice, a third of a batch's time."""
    by_units: dict[int, list[str]] = {}
    for currency in sorted(CURRENCIES):
        assert re.fullmatch("[A-Z]{3}", currency), currency  # safe as a literal
        by_units.setdefault(minor_units(currency), []).append(f"'{currency}'")
    cases = " ".join(
        f"WHEN {column} IN ({', '.join(codes)}) THEN {units}"
        for units, codes in sorted(by_units.items())
        if units != 2
    )
    return f"CASE {cases} ELSE 2 END"


# Interest per day: principal x percent per month / 100 x 12 months / 365 days, kept to 12
# decimals, times the days since the last accrual. What is posted is the cumulative unrounded
# interest rounded half-up to the currency, minus what was posted before: daily runs and one
# run over the same days post the same total. The principal is the open amount less the
# interest and late fees charged and not yet paid (no interest on interest); payments settle an
# invoice's fees and interest before its principal (docs/payments.md), so what was paid counts
# against the charges first.
_MARK_AND_ACCRUE = f"""
WITH due AS (
    SELECT i.id, i.overdue_since IS NULL AS newly_overdue, digits.digits,
        i.interest_unrounded, i.overdue_since, i.interest_accrued_through, i.due_date,
        i.late_interest_percent_per_month AS percent, start.accrued_from,
        GREATEST(CAST(:today AS date) - start.accrued_from, 0) AS days,
        GREATEST(
            i.open_amount - GREATEST(
                round(i.interest_unrounded, digits.digits) + COALESCE(f.fees, 0)
                    - i.paid_amount,
                0
            ),
            0
        ) AS principal
    FROM invoices i
    CROSS JOIN LATERAL (SELECT {_minor_units_of("i.currency")} AS digits) AS digits
    CROSS JOIN LATERAL (
        SELECT GREATEST(
            i.interest_accrued_through, i.due_date + i.interest_grace_days
        ) AS accrued_from
    ) AS start
    LEFT JOIN LATERAL (
        SELECT sum(amount) AS fees FROM invoice_movements
        WHERE invoice_id = i.id AND kind = '{MovementKind.LATE_FEE.value}'
    ) AS f ON true
    WHERE i.open_amount > 0 AND i.due_date < CAST(:today AS date)
        AND i.state = ANY(CAST(:states AS text[]))
        AND i.ctid >= CAST(:lower AS tid) AND i.ctid < CAST(:upper AS tid)
),
accrued AS (
    SELECT due.*, CASE WHEN days > 0 AND percent > 0
        THEN round(principal * percent * 12 / 36500, 12) * days ELSE 0 END AS accrual
    FROM due
    WHERE newly_overdue OR (days > 0 AND percent > 0)
),
priced AS (
    SELECT accrued.*,
        round(interest_unrounded + accrual, digits) - round(interest_unrounded, digits)
            AS interest
    FROM accrued
),
changed AS (
    UPDATE invoices i SET
        overdue_since = COALESCE(i.overdue_since, i.due_date + 1),
        state = CASE WHEN i.state = '{InvoiceState.ISSUED.value}'
            THEN '{InvoiceState.OVERDUE.value}' ELSE i.state END,
        interest_unrounded = p.interest_unrounded + p.accrual,
        interest_accrued_through = CASE WHEN p.days > 0 AND p.percent > 0
            THEN CAST(:today AS date) ELSE i.interest_accrued_through END,
        open_amount = i.open_amount + p.interest
    FROM priced p
    -- Checked again on the row as it is when locked: a payment that committed meanwhile wins,
    -- and a row another run (a replica's overlapping batch) marked or accrued meanwhile, or a
    -- due date extended meanwhile, is left as it is: this run read it before that change.
    WHERE i.id = p.id AND i.open_amount > 0 AND i.state = ANY(CAST(:states AS text[]))
        AND i.overdue_since IS NOT DISTINCT FROM p.overdue_since
        AND i.interest_accrued_through IS NOT DISTINCT FROM p.interest_accrued_through
        AND i.due_date = p.due_date
        -- The batch's pages again, so the planner scans only the batch's invoices here too.
        AND i.ctid >= CAST(:lower AS tid) AND i.ctid < CAST(:upper AS tid)
    RETURNING i.id, i.customer_id, i.number, i.currency, i.due_date, p.newly_overdue,
        p.interest, p.accrued_from + 1 AS period_start, i.open_amount, p.digits
),
run AS (
    SELECT changed.*, CAST(md5(
        changed.id::text || '/interest/' || to_char(CAST(:today AS date), 'YYYY-MM-DD')
    ) AS uuid) AS source_id,
    -- The interest movement's ledger sequence, drawn here (the invoice is locked by now) so
    -- LateFeeCharged can carry it without joining the inserted movements back (a join of two
    -- CTEs the planner made a nested loop: 10 times slower).
    CASE WHEN changed.interest > 0 THEN nextval('invoice_movements_sequence_seq') END
        AS movement_sequence
    FROM changed
),
posted AS (
    INSERT INTO invoice_movements (id, invoice_id, customer_id, currency, kind, amount,
        open_amount_after, business_date, source_id, sequence)
    SELECT {TIME_ORDERED_UUID}, id, customer_id, currency, '{MovementKind.INTEREST.value}',
        interest, open_amount, CAST(:today AS date), source_id, movement_sequence
    FROM run WHERE interest > 0
)
INSERT INTO overdue_run SELECT * FROM run
"""

# Amounts in events have the currency's decimals ("18.35", "5"), as record_event writes them.
_OVERDUE_EVENTS = """
SELECT customer_id, jsonb_build_object(
    'customer_id', customer_id, 'invoice_id', invoice_id, 'number', number,
    'currency', currency, 'due_date', due_date, 'overdue_on', due_date + 1,
    'open_amount', CAST(round(open_amount - interest, digits) AS text)
) AS payload
FROM overdue_run WHERE newly_overdue
"""

_INTEREST_EVENTS = """
SELECT customer_id, jsonb_build_object(
    'customer_id', customer_id, 'fee_id', source_id, 'invoice_id', invoice_id,
    'currency', currency, 'amount', CAST(round(interest, digits) AS text), 'kind', 'interest',
    'charged_on', CAST(:today AS date), 'period_start', period_start,
    'period_end', CAST(:today AS date), 'open_amount', CAST(round(open_amount, digits) AS text),
    'movement_sequence', movement_sequence
) AS payload
FROM overdue_run WHERE interest > 0
"""


#: Past the last page a table can have (block numbers are 32 bits, the last one invalid).
_END_OF_TABLE = (1 << 32) - 1


@dataclass(frozen=True)
class BlockRange:
    """The invoices stored in pages lower <= page < upper: one batch of a run."""

    lower: int = 0
    upper: int = _END_OF_TABLE


def block_ranges(pages: int, batches: int) -> list[BlockRange]:
    """The table's `pages` cut into `batches` ranges of about the same number of pages. The
    last range is open-ended: pages added while the run goes are its too."""
    batches = max(min(batches, pages), 1)
    bounds = [pages * n // batches for n in range(batches)] + [_END_OF_TABLE]
    return [BlockRange(bounds[n], bounds[n + 1]) for n in range(batches)]


class OverdueRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock_batch(self, blocks: BlockRange) -> bool:
        """False when another run holds the batch starting at the same page."""
        await self.session.execute(text(_RUN_SETTINGS))
        return bool(await self.session.scalar(text(_BATCH_LOCK), {"lower": blocks.lower}))

    async def candidates(self, today: date) -> int:
        """Invoices a run as of `today` looks at (done ones included): sizes the batches."""
        found = await self.session.scalar(
            text(
                "SELECT count(*) FROM invoices WHERE open_amount > 0"
                " AND due_date < CAST(:today AS date) AND state = ANY(CAST(:states AS text[]))"
            ),
            {"today": today, "states": list(ACCRUING_STATES)},
        )
        return int(found or 0)

    async def pages(self) -> int:
        """The pages of the invoices table: the batches are ranges of them."""
        found = await self.session.scalar(
            text(
                "SELECT pg_relation_size('invoices')"
                " / CAST(current_setting('block_size') AS bigint)"
            )
        )
        return int(found or 0)

    async def mark_and_accrue(self, today: date, blocks: BlockRange) -> None:
        """Post the interest and fill overdue_run with every invoice in `blocks` this run
        marked overdue or charged interest."""
        await self.session.execute(text(_RUN_TABLE))
        await self.session.execute(text("DELETE FROM overdue_run"))  # a run before, same txn
        await self.session.execute(
            text(_MARK_AND_ACCRUE),
            {
                "today": today,
                "states": list(ACCRUING_STATES),
                "lower": (blocks.lower, 0),  # a tid: (page, item)
                "upper": (blocks.upper, 0),
            },
        )

    async def counts(self) -> tuple[int, int]:
        """(invoices newly overdue, interest movements) of this run."""
        row = (
            await self.session.execute(
                text(
                    "SELECT count(*) FILTER (WHERE newly_overdue),"
                    " count(*) FILTER (WHERE interest > 0) FROM overdue_run"
                )
            )
        ).one()
        return int(row[0]), int(row[1])

    async def record_events(self, today: date, clock: Clock) -> None:
        # InvoiceOverdue first: a customer's events keep the order they were written in.
        await record_events_in_bulk(self.session, InvoiceOverdue, _OVERDUE_EVENTS, clock=clock)
        await record_events_in_bulk(
            self.session, LateFeeCharged, _INTEREST_EVENTS, {"today": today}, clock=clock
        )
