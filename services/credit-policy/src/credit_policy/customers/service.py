from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.customers.events import customer_created
from credit_policy.customers.models import Customer
from credit_policy.customers.repository import CustomerRepository
from credit_policy.customers.schemas import CustomerCreate
from receivables_shared.clock import Clock
from receivables_shared.http.problems import NotFound
from receivables_shared.outbox import record_event


async def create_customer(session: AsyncSession, clock: Clock, data: CustomerCreate) -> Customer:
    customer = await CustomerRepository(session).add(Customer(**data.model_dump()))
    record_event(session, customer_created(customer), clock=clock)
    return customer


async def get_customer(session: AsyncSession, customer_id: uuid.UUID) -> Customer:
    customer = await CustomerRepository(session).get(customer_id)
    if customer is None:
        raise NotFound("Customer", customer_id)
    return customer


async def list_customers(session: AsyncSession, *, limit: int, offset: int) -> Sequence[Customer]:
    return await CustomerRepository(session).list(limit=limit, offset=offset)
