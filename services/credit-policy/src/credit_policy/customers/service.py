from __future__ import annotations

import uuid
from functools import cache
from typing import Any
from zoneinfo import available_timezones

import phonenumbers
from babel.core import get_global
from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.customers.events import customer_created, customer_updated
from credit_policy.customers.models import Customer
from credit_policy.customers.repository import CustomerRepository
from credit_policy.customers.schemas import (
    Channel,
    ContactInput,
    CustomerCreate,
    CustomerFields,
    CustomerFilters,
)
from credit_policy.customers.tax_ids import tax_id_problem
from credit_policy.terms.effective import open_credit_account
from receivables_shared.clock import Clock
from receivables_shared.http.problems import InvalidField, NotFound
from receivables_shared.outbox import record_event
from receivables_shared.pagination import PageRequest


def default_time_zone(country: str, business_time_zone: str) -> str:
    """The country's zone when it has only one (LV, BG, EE), else the business time zone."""
    zones: list[str] = get_global("territory_zones").get(country, [])
    return zones[0] if len(zones) == 1 else business_time_zone


@cache
def _iana_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _time_zone(data: CustomerFields, business_time_zone: str) -> str:
    if data.time_zone is None:
        return default_time_zone(data.country, business_time_zone)
    # A lookup in the list, not ZoneInfo(name): that would open "Europe" as a file (a 500).
    if data.time_zone not in _iana_zones():
        raise InvalidField("time_zone", f"{data.time_zone!r} is not an IANA time zone")
    return data.time_zone


def _phone(index: int, phone: str, country: str) -> str:
    field = f"contacts[{index}].phone"
    try:
        number = phonenumbers.parse(phone, country)
    except phonenumbers.NumberParseException as error:
        raise InvalidField(field, f"{phone!r} is not a phone number") from error
    if not phonenumbers.is_valid_number(number):
        raise InvalidField(field, f"{phone!r} is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _contact(index: int, contact: ContactInput, country: str) -> dict[str, Any]:
    phone = _phone(index, contact.phone, country) if contact.phone else None
    # The preferred channel must be one we can use: no email channel without an address.
    channel = contact.preferred_channel
    if channel is Channel.EMAIL and contact.email is None:
        raise InvalidField(f"contacts[{index}].email", "is required when email is preferred")
    if channel in (Channel.PHONE, Channel.SMS) and phone is None:
        raise InvalidField(f"contacts[{index}].phone", f"is required when {channel} is preferred")
    return {
        "name": contact.name,
        "role": str(contact.role),
        "email": contact.email,
        "phone": phone,
        "preferred_channel": str(channel),
    }


def master_data(data: CustomerFields, business_time_zone: str) -> dict[str, Any]:
    """The checked, normalised columns of a customer document (422 naming a bad field)."""
    if data.tax_id and (problem := tax_id_problem(data.country, data.tax_id)):
        raise InvalidField("tax_id", problem)
    return {
        "name": data.name,
        "country": data.country,
        "language": data.language,
        "currency": data.currency,
        "tax_id": data.tax_id or None,
        "time_zone": _time_zone(data, business_time_zone),
        "segment": data.segment,
        "contacts": [
            _contact(index, contact, data.country) for index, contact in enumerate(data.contacts)
        ],
    }


async def create_customer(
    session: AsyncSession, clock: Clock, data: CustomerCreate, business_time_zone: str
) -> Customer:
    values = master_data(data, business_time_zone)
    repository = CustomerRepository(session)
    if data.external_id is not None and await repository.get_by_external_id(data.external_id):
        raise InvalidField("external_id", f"a customer with {data.external_id!r} exists")
    customer = await repository.add(Customer(external_id=data.external_id, **values))
    record_event(session, customer_created(customer), clock=clock)
    open_credit_account(session, clock, customer.id, customer.currency)
    return customer


async def put_customer(
    session: AsyncSession,
    clock: Clock,
    external_id: str,
    data: CustomerFields,
    business_time_zone: str,
) -> tuple[Customer, bool]:
    """Create or replace the customer the caller knows as `external_id`; True if created.

    CustomerCreated on creation, CustomerUpdated on a real change, nothing for a repeat."""
    values = master_data(data, business_time_zone)
    repository = CustomerRepository(session)
    customer = await repository.get_by_external_id(external_id, for_update=True)
    if customer is None:
        created = await repository.add_if_absent(external_id, values)
        if created is not None:
            record_event(session, customer_created(created), clock=clock)
            open_credit_account(session, clock, created.id, created.currency)
            return created, True
        # A concurrent PUT created it first: apply ours to it as an update.
        customer = await repository.get_by_external_id(external_id, for_update=True)
        assert customer is not None, "add_if_absent found it, so it exists"
    changed = {key: value for key, value in values.items() if getattr(customer, key) != value}
    if changed:
        for key, value in changed.items():
            setattr(customer, key, value)
        await session.flush()
        record_event(session, customer_updated(customer), clock=clock)
    return customer, False


async def get_customer(session: AsyncSession, customer_id: uuid.UUID) -> Customer:
    customer = await CustomerRepository(session).get(customer_id)
    if customer is None:
        raise NotFound("Customer", customer_id)
    return customer


async def list_customers(
    session: AsyncSession, page: PageRequest, filters: CustomerFilters
) -> tuple[list[Customer], str | None]:
    return await CustomerRepository(session).page(page, filters)
