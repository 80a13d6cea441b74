from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.customers.models import Customer
from receivables_shared.pagination import Keyset, PageRequest

# Creation order; the id breaks ties between customers created in one transaction.
CUSTOMER_ORDER = Keyset("customers", Customer.created_at, Customer.id)


class CustomerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, customer: Customer) -> Customer:
        self.session.add(customer)
        await self.session.flush()
        return customer

    async def get(self, customer_id: uuid.UUID) -> Customer | None:
        return await self.session.get(Customer, customer_id)

    async def page(self, page: PageRequest) -> tuple[list[Customer], str | None]:
        rows = await self.session.scalars(CUSTOMER_ORDER.page_query(select(Customer), page))
        return CUSTOMER_ORDER.page_of(rows.all(), page)
