from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.customers.models import Customer


class CustomerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, customer: Customer) -> Customer:
        self.session.add(customer)
        await self.session.flush()
        return customer

    async def get(self, customer_id: uuid.UUID) -> Customer | None:
        return await self.session.get(Customer, customer_id)

    async def list(self, *, limit: int, offset: int) -> Sequence[Customer]:
        result = await self.session.scalars(
            select(Customer).order_by(Customer.created_at, Customer.id).limit(limit).offset(offset)
        )
        return result.all()
