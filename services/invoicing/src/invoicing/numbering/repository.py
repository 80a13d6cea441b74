"""Gap-free numbers per series and year.

The counter row is taken with an upsert that locks it until the transaction ends: concurrent
issuers queue on it, and a rolled-back request gives its number back (nothing was committed)."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.numbering.models import NumberCounter


async def next_number(session: AsyncSession, series: str, year: int) -> int:
    counter = cast(Table, NumberCounter.__table__)
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
