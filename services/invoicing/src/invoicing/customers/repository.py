from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.customers.models import KnownCustomer


class KnownCustomerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, customer_id: uuid.UUID) -> KnownCustomer | None:
        return await self.session.get(KnownCustomer, customer_id)

    async def fresh(self, customer_id: uuid.UUID) -> KnownCustomer | None:
        """Read from the database, past the identity map (upserts are Core statements)."""
        return await self.session.get(KnownCustomer, customer_id, populate_existing=True)

    async def exists(self, customer_id: uuid.UUID) -> bool:
        # Always a query: a request waiting for CustomerCreated must see the consumer's commit.
        found = await self.session.scalar(
            select(KnownCustomer.id).where(KnownCustomer.id == customer_id)
        )
        return found is not None

    async def upsert(
        self,
        *,
        customer_id: uuid.UUID,
        name: str,
        language: str,
        currency: str,
        country: str | None = None,
        time_zone: str | None = None,
        tax_id: str | None = None,
        external_id: str | None = None,
    ) -> None:
        values = {
            "name": name,
            "language": language,
            "currency": currency,
            "country": country,
            "time_zone": time_zone,
            "tax_id": tax_id,
            "external_id": external_id,
        }
        await self.session.execute(
            insert(KnownCustomer)
            .values(id=customer_id, **values)
            .on_conflict_do_update(index_elements=[KnownCustomer.id], set_=values)
        )
