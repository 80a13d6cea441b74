from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, exists, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.customers.models import Customer
from credit_policy.customers.schemas import CustomerFilters
from credit_policy.holds.models import CreditHold
from credit_policy.reviews.models import CreditReview
from credit_policy.terms.models import CustomerCredit
from receivables_shared.pagination import Keyset, PageRequest

# Creation order; the id breaks ties between customers created in one transaction.
CUSTOMER_ORDER = Keyset("customers", Customer.created_at, Customer.id)


def _filtered(statement: Select[Any], filters: CustomerFilters) -> Select[Any]:
    """Every filter is one more WHERE on the same keyset query, so paging works unchanged."""
    if filters.segment is not None:
        statement = statement.where(Customer.segment == filters.segment)
    if filters.external_id is not None:
        statement = statement.where(Customer.external_id == filters.external_id)
    if filters.risk_class is not None:
        statement = statement.join(CustomerCredit, CustomerCredit.customer_id == Customer.id).where(
            CustomerCredit.risk_class_key == filters.risk_class
        )
    if filters.on_hold is not None:
        active_hold = exists().where(
            CreditHold.customer_id == Customer.id, CreditHold.released_on.is_(None)
        )
        statement = statement.where(active_hold if filters.on_hold else ~active_hold)
    if filters.review_due is not None:
        open_review = (
            select(CreditReview.id)
            .where(CreditReview.customer_id == Customer.id, CreditReview.status == "open")
            .exists()
        )
        statement = statement.where(open_review if filters.review_due else ~open_review)
    return statement


class CustomerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, customer: Customer) -> Customer:
        self.session.add(customer)
        await self.session.flush()
        return customer

    async def add_if_absent(self, external_id: str, values: dict[str, Any]) -> Customer | None:
        """Insert the customer unless one with `external_id` exists (None then).

        ON CONFLICT, not a check first: two concurrent PUTs of one new customer create one."""
        inserted = await self.session.scalar(
            insert(Customer)
            .values(id=uuid.uuid4(), external_id=external_id, **values)
            .on_conflict_do_nothing(index_elements=[Customer.external_id])
            .returning(Customer.id)
        )
        return None if inserted is None else await self.session.get(Customer, inserted)

    async def get(self, customer_id: uuid.UUID) -> Customer | None:
        return await self.session.get(Customer, customer_id)

    async def get_by_external_id(
        self, external_id: str, *, for_update: bool = False
    ) -> Customer | None:
        statement = select(Customer).where(Customer.external_id == external_id)
        if for_update:
            statement = statement.with_for_update()
        return await self.session.scalar(statement)

    async def page(
        self, page: PageRequest, filters: CustomerFilters
    ) -> tuple[list[Customer], str | None]:
        statement = CUSTOMER_ORDER.page_query(_filtered(select(Customer), filters), page)
        rows = await self.session.scalars(statement)
        return CUSTOMER_ORDER.page_of(rows.all(), page)
