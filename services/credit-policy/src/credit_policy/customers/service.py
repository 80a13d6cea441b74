from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.customers.events import customer_created
from credit_policy.customers.models import Customer
from credit_policy.customers.repository import CustomerRepository
from credit_policy.customers.schemas import CustomerCreate
from receivables_shared.clock import Clock
from receivables_shared.http.problems import NotFound
from receivables_shared.outbox import record_event
from receivables_shared.pagination import PageRequest


async def create_customer(session: AsyncSession, clock: Clock, data: CustomerCreate) -> Customer:
    customer = await CustomerRepository(session).add(Customer(**data.model_dump()))
    record_event(session, customer_created(customer), clock=clock)
    return customer


async def get_customer(session: AsyncSession, customer_id: uuid.UUID) -> Customer:
    customer = await CustomerRepository(session).get(customer_id)
    if customer is None:
        raise NotFound("Customer", customer_id)
    return customer


async def list_customers(
    session: AsyncSession, page: PageRequest
) -> tuple[list[Customer], str | None]:
    return await CustomerRepository(session).page(page)
