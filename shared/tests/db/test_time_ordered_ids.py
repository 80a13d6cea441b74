"""TIME_ORDERED_UUID makes UUIDv7s in PostgreSQL: version 7, RFC 9562 variant, the clock's
milliseconds first, so the ids one statement makes sort in the order they were made."""

from __future__ import annotations

import time
import uuid

from sqlalchemy import text

from receivables_shared.db.engine import SessionMaker
from receivables_shared.db.time_ordered_ids import TIME_ORDERED_UUID


async def test_ids_are_uuid7_with_the_clocks_milliseconds_first(
    sessionmaker: SessionMaker,
) -> None:
    before = int(time.time() * 1000)
    async with sessionmaker() as session:
        ids = list(
            (
                await session.scalars(
                    text(
                        f"SELECT {TIME_ORDERED_UUID} FROM generate_series(1, 5000) AS g ORDER BY g"
                    )
                )
            ).all()
        )
    after = int(time.time() * 1000)

    assert all(isinstance(id_, uuid.UUID) for id_ in ids)
    assert {id_.version for id_ in ids} == {7}
    assert {id_.variant for id_ in ids} == {uuid.RFC_4122}
    milliseconds = [id_.int >> 80 for id_ in ids]
    assert before - 1000 <= milliseconds[0] <= milliseconds[-1] <= after + 1000
    assert milliseconds == sorted(milliseconds)  # made in order: the index grows at its end
    assert len(set(ids)) == len(ids)
