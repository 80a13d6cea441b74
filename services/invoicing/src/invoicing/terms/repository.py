from __future__ import annotations

import uuid
from typing import Any, cast

from sqlalchemy import Table, func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.terms.models import CustomerTerms


class CustomerTermsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, customer_id: uuid.UUID) -> CustomerTerms | None:
        return await self.session.get(CustomerTerms, customer_id)

    async def keep_newest(self, customer_id: uuid.UUID, values: dict[str, Any]) -> None:
        """Insert, or replace only when `values` carry a newer terms_version (events may arrive
        late or twice: an older snapshot never overwrites a newer one)."""
        table = cast(Table, CustomerTerms.__table__)
        statement = insert(table).values(customer_id=customer_id, **values)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[table.c.customer_id],
                set_={
                    **{name: statement.excluded[name] for name in values},
                    "updated_at": func.now(),
                },
                where=table.c.terms_version < statement.excluded.terms_version,
            )
        )
