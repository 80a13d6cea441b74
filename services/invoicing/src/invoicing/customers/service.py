"""Invoicing's knowledge of customers: from CustomerCreated, or asked of credit-policy."""

from __future__ import annotations

import asyncio
import time
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.customers.lookup import CustomerLookup
from invoicing.customers.repository import KnownCustomerRepository
from receivables_shared.http.problems import InvalidField

#: How often a request waiting for CustomerCreated looks again (events arrive in ~50-110 ms).
EVENT_POLL_SECONDS = 0.05


async def require_known_customer(
    session: AsyncSession, customer_id: uuid.UUID, lookup: CustomerLookup
) -> None:
    """Return once invoicing knows the customer; a customer that does not exist is a 422.

    A client may invoice a customer the moment credit-policy created it, before CustomerCreated
    reached us: then credit-policy, the owner, is asked (and the answer kept, so the event
    that follows is a harmless upsert), or, when it is not configured, the event is awaited
    for a short while."""
    customers = KnownCustomerRepository(session)
    if await customers.exists(customer_id):
        return
    if lookup.credit_policy is not None:
        customer = await lookup.fetch(lookup.credit_policy, customer_id)
        if customer is None:
            raise InvalidField("customer_id", f"customer {customer_id} does not exist")
        await customers.upsert(
            customer_id=customer_id,
            name=customer.name,
            language=customer.language,
            currency=customer.currency,
            country=customer.country,
            time_zone=customer.time_zone,
            tax_id=customer.tax_id,
            external_id=customer.external_id,
        )
        return
    deadline = time.monotonic() + lookup.event_wait_seconds
    while time.monotonic() < deadline:
        await asyncio.sleep(EVENT_POLL_SECONDS)
        if await customers.exists(customer_id):
            return
    raise InvalidField("customer_id", f"customer {customer_id} is not known to invoicing")
