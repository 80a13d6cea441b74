import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.customers.consumers import on_customer_created, on_customer_updated
from invoicing.customers.models import KnownCustomer
from receivables_shared.clock import ManualClock
from receivables_shared.events import CustomerCreated, CustomerUpdated
from receivables_shared.testing.events import (
    create_customer_created,
    create_customer_updated,
    handler_context,
)


async def stored_customer(session: AsyncSession, customer_id: uuid.UUID) -> KnownCustomer | None:
    # The handler writes with a Core upsert, so bypass whatever the identity map holds.
    return await session.get(KnownCustomer, customer_id, populate_existing=True)


async def test_customer_created_stores_a_known_customer(
    session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = uuid.uuid4()

    await on_customer_created(
        session, create_customer_created(customer_id), handler_context(clock, CustomerCreated)
    )

    customer = await stored_customer(session, customer_id)
    assert customer is not None
    assert (customer.name, customer.language, customer.currency) == ("SIA Koks", "lv", "EUR")


async def test_second_customer_created_for_the_same_id_updates_it(
    session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = uuid.uuid4()
    await on_customer_created(
        session, create_customer_created(customer_id), handler_context(clock, CustomerCreated)
    )

    await on_customer_created(
        session,
        create_customer_created(customer_id, name="Koks AS", language="et", currency="BGN"),
        handler_context(clock, CustomerCreated),
    )

    customer = await stored_customer(session, customer_id)
    assert customer is not None
    assert (customer.name, customer.language, customer.currency) == ("Koks AS", "et", "BGN")
    count = await session.scalar(select(func.count()).select_from(KnownCustomer))
    assert count == 1


async def test_customers_with_different_ids_are_kept_apart(
    session: AsyncSession, clock: ManualClock
) -> None:
    first, second = uuid.uuid4(), uuid.uuid4()

    await on_customer_created(
        session,
        create_customer_created(first, name="First"),
        handler_context(clock, CustomerCreated),
    )
    await on_customer_created(
        session,
        create_customer_created(second, name="Second"),
        handler_context(clock, CustomerCreated),
    )

    names = (await session.scalars(select(KnownCustomer.name).order_by(KnownCustomer.name))).all()
    assert names == ["First", "Second"]


async def test_customer_updated_replaces_what_invoicing_knows(
    session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = uuid.uuid4()
    await on_customer_created(
        session, create_customer_created(customer_id), handler_context(clock, CustomerCreated)
    )

    await on_customer_updated(
        session,
        create_customer_updated(customer_id, name="SIA Koks Group", language="en", currency="USD"),
        handler_context(clock, CustomerUpdated),
    )

    customer = await stored_customer(session, customer_id)
    assert customer is not None
    assert (customer.name, customer.language, customer.currency) == ("SIA Koks Group", "en", "USD")
    count = await session.scalar(select(func.count()).select_from(KnownCustomer))
    assert count == 1


async def test_customer_updated_for_a_customer_never_seen_makes_it_known(
    session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = uuid.uuid4()

    await on_customer_updated(
        session, create_customer_updated(customer_id), handler_context(clock, CustomerUpdated)
    )

    customer = await stored_customer(session, customer_id)
    assert customer is not None
    assert customer.name == "SIA Koks"


async def test_country_time_zone_and_tax_id_are_kept_for_due_dates_and_documents(
    session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = uuid.uuid4()
    await on_customer_created(
        session, create_customer_created(customer_id), handler_context(clock, CustomerCreated)
    )

    await on_customer_updated(
        session,
        create_customer_updated(customer_id, country="BG"),
        handler_context(clock, CustomerUpdated),
    )

    customer = await stored_customer(session, customer_id)
    assert customer is not None
    assert (customer.country, customer.time_zone, customer.tax_id) == (
        "BG",
        "Europe/Riga",
        "LV40003521600",
    )
