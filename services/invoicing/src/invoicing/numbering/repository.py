"""Gap-free numbers per series and year.

The counter row is taken with an upsert that locks it until the transaction ends: concurrent
issuers queue on it, and a rolled-back request gives its number back (nothing was committed)."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.numbering.models import NumberCounter


#: Issuers of one series queue on its counter row by design, each for one short transaction: a
#: burst of 50 at once must not hit the API's fail-fast lock timeout (2 s). Both limits are
#: raised for this transaction only (set_config(..., true) is SET LOCAL).
QUEUE_LOCK_TIMEOUT = "15s"
QUEUE_STATEMENT_TIMEOUT = "20s"


async def next_number(session: AsyncSession, series: str, year: int) -> int:
    counter = cast(Table, NumberCounter.__table__)
    await session.execute(
        text(
            "SELECT set_config('lock_timeout', :lock, true),"
            " set_config('statement_timeout', :statement, true)"
        ),
        {"lock": QUEUE_LOCK_TIMEOUT, "statement": QUEUE_STATEMENT_TIMEOUT},
    )
    statement = (
        insert(counter)
        .values(series=series, year=year, last_number=1)
        .on_conflict_do_update(
            index_elements=[counter.c.series, counter.c.year],
            set_={"last_number": counter.c.last_number + 1},
        )
        .returning(counter.c.last_number)
    )
    number: int = (await session.execute(statement)).scalar_one()
    return number


def format_number(series: str, year: int, sequence: int) -> str:
    return f"{series}-{year}-{sequence:06d}"
