from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.customers.models import Customer
from credit_policy.customers.repository import CustomerRepository

VALUES: dict[str, Any] = {
    "name": "SIA Koks",
    "country": "LV",
    "language": "lv",
    "currency": "EUR",
    "tax_id": None,
    "time_zone": "Europe/Riga",
    "segment": None,
    "contacts": [],
}


async def test_add_if_absent_creates_once_per_external_id(session: AsyncSession) -> None:
    # The path a PUT takes when another PUT created the same customer a moment before it.
    customers = CustomerRepository(session)

    first = await customers.add_if_absent("ERP-7", VALUES)
    second = await customers.add_if_absent("ERP-7", {**VALUES, "name": "Other"})

    assert first is not None
    assert (first.external_id, first.name, first.contacts) == ("ERP-7", "SIA Koks", [])
    assert second is None
    count = await session.scalar(select(func.count()).select_from(Customer))
    assert count == 1
