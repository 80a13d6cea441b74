"""Customer master data: upsert by external id, tax ids, time zones, contacts, CustomerUpdated."""

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.customers.models import Customer
from receivables_shared.auth.keys import Scope
from receivables_shared.outbox.models import OutboxEvent
from receivables_shared.testing.helpers import api_key_headers

ACCOUNTANT = {
    "name": "Anna Koka",
    "role": "accountant",
    "email": "anna@koks.lv",
    "phone": "+371 2000 0000",
    "preferred_channel": "email",
}
DOCUMENT: dict[str, Any] = {
    "name": "SIA Koks",
    "country": "LV",
    "language": "lv",
    "currency": "EUR",
    "tax_id": "LV40003521600",
    "segment": "wholesale",
    "contacts": [ACCOUNTANT],
}
PATH = "/v1/customers/by-external-id/ERP-1001"


async def outbox_types(session: AsyncSession) -> list[str]:
    rows = await session.scalars(select(OutboxEvent).order_by(OutboxEvent.id))
    return [row.event_type for row in rows]


async def customer_count(session: AsyncSession) -> int:
    return len((await session.scalars(select(Customer))).all())


async def test_put_creates_then_a_repeat_changes_and_announces_nothing(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    first = await client.put(PATH, json=DOCUMENT)
    repeat = await client.put(PATH, json=DOCUMENT)

    assert (first.status_code, repeat.status_code) == (201, 200), first.text
    assert repeat.json() == first.json()
    assert first.json()["external_id"] == "ERP-1001"
    assert await customer_count(session) == 1
    # A new customer announces its (no-credit) terms too, so invoicing always has terms.
    assert await outbox_types(session) == [
        "receivables.CustomerCreated.v1",
        "receivables.CustomerTermsChanged.v1",
    ]


async def test_each_real_change_emits_one_customer_updated_with_the_full_snapshot(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    created = (await client.put(PATH, json=DOCUMENT)).json()
    boss = {"role": "decision_maker", "phone": "20000001", "preferred_channel": "phone"}
    changed = {**DOCUMENT, "name": "SIA Koks Group", "contacts": [ACCOUNTANT, boss]}

    updated = await client.put(PATH, json=changed)
    await client.put(PATH, json=changed)

    assert updated.status_code == 200
    assert updated.json()["id"] == created["id"]
    assert await outbox_types(session) == [
        "receivables.CustomerCreated.v1",
        "receivables.CustomerTermsChanged.v1",
        "receivables.CustomerUpdated.v1",
    ]
    event = (await session.scalars(select(OutboxEvent).order_by(OutboxEvent.id))).all()[2]
    assert event.partition_key == created["id"]
    payload = event.payload
    assert (payload["name"], payload["segment"], payload["time_zone"]) == (
        "SIA Koks Group",
        "wholesale",
        "Europe/Riga",
    )
    assert payload["contacts"] == [
        {**ACCOUNTANT, "phone": "+37120000000"},
        # A national number is read in the customer's country and kept in E.164.
        {
            "name": None,
            "role": "decision_maker",
            "email": None,
            "phone": "+37120000001",
            "preferred_channel": "phone",
        },
    ]


async def test_put_replaces_the_whole_document(client: httpx.AsyncClient) -> None:
    await client.put(PATH, json=DOCUMENT)

    minimal = {key: DOCUMENT[key] for key in ("name", "country", "language", "currency")}
    replaced = (await client.put(PATH, json=minimal)).json()

    assert (replaced["tax_id"], replaced["segment"], replaced["contacts"]) == (None, None, [])


async def test_customer_created_carries_the_new_optional_fields(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await client.put(PATH, json=DOCUMENT)

    [event] = (
        await session.scalars(
            select(OutboxEvent).where(OutboxEvent.event_type == "receivables.CustomerCreated.v1")
        )
    ).all()
    assert event.payload["external_id"] == "ERP-1001"
    assert event.payload["tax_id"] == "LV40003521600"
    assert event.payload["contacts"] == [{**ACCOUNTANT, "phone": "+37120000000"}]


async def test_post_with_an_external_id_that_exists_is_a_422_naming_it(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await client.put(PATH, json=DOCUMENT)

    response = await client.post("/v1/customers", json={**DOCUMENT, "external_id": "ERP-1001"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "external_id"
    assert await customer_count(session) == 1


@pytest.mark.parametrize(
    ("country", "tax_id"),
    [
        ("LV", "LV40003521600"),
        ("LV", "40003521600"),
        ("BG", "BG175074752"),
        ("EE", "EE100931558"),
        ("DE", "DE136695976"),
        ("RU", "7707083893"),  # INN, Russia has no VAT number
        ("US", "123-45-6789"),  # not a VAT country: checked as a TIN
        ("AQ", "anything"),  # stdnum knows no tax id here: accepted as given
    ],
)
async def test_valid_tax_ids_are_accepted(
    client: httpx.AsyncClient, country: str, tax_id: str
) -> None:
    body = {**DOCUMENT, "country": country, "tax_id": tax_id, "contacts": []}

    response = await client.post("/v1/customers", json=body)

    assert response.status_code == 201, response.text
    assert response.json()["tax_id"] == tax_id


@pytest.mark.parametrize(
    ("country", "tax_id"),
    [
        ("LV", "LV40003521601"),
        ("BG", "BG175074753"),
        ("EE", "EE100931559"),
        ("DE", "DE136695977"),
        ("DE", "LV40003521600"),  # another country's number
    ],
)
async def test_a_wrong_checksum_is_a_422_naming_tax_id_and_changes_nothing(
    client: httpx.AsyncClient, session: AsyncSession, country: str, tax_id: str
) -> None:
    body = {**DOCUMENT, "country": country, "tax_id": tax_id}

    put = await client.put(PATH, json=body)
    post = await client.post("/v1/customers", json=body)

    for response in (put, post):
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        [error] = response.json()["errors"]
        assert error["field"] == "tax_id"
        assert f"not a valid tax id of {country}" in error["message"]
    assert await customer_count(session) == 0
    assert await outbox_types(session) == []


async def test_a_bad_update_changes_nothing(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    before = (await client.put(PATH, json=DOCUMENT)).json()

    response = await client.put(PATH, json={**DOCUMENT, "name": "New", "tax_id": "LV1"})

    assert response.status_code == 422
    assert (await client.get(f"/v1/customers/{before['id']}")).json() == before
    assert await outbox_types(session) == [
        "receivables.CustomerCreated.v1",
        "receivables.CustomerTermsChanged.v1",
    ]


@pytest.mark.parametrize(
    ("country", "given", "expected"),
    [
        ("LV", None, "Europe/Riga"),
        ("BG", None, "Europe/Sofia"),
        ("US", None, "Europe/Riga"),  # many zones: the business time zone
        ("US", "America/Chicago", "America/Chicago"),
    ],
)
async def test_time_zone_defaults_from_an_unambiguous_country(
    client: httpx.AsyncClient, country: str, given: str | None, expected: str
) -> None:
    body = {**DOCUMENT, "country": country, "tax_id": None, "contacts": [], "time_zone": given}

    response = await client.post("/v1/customers", json=body)

    assert response.status_code == 201, response.text
    assert response.json()["time_zone"] == expected


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"time_zone": "Europe"}, "time_zone"),  # a folder of the zone database
        ({"contacts": [{**ACCOUNTANT, "email": "anna-at-koks.lv"}]}, "contacts[0].email"),
        ({"contacts": [{**ACCOUNTANT, "phone": "+371 123"}]}, "contacts[0].phone"),
        ({"contacts": [{**ACCOUNTANT, "phone": "call me"}]}, "contacts[0].phone"),
        ({"contacts": [{**ACCOUNTANT, "role": "ceo"}]}, "contacts[0].role"),
        (
            {"contacts": [{**ACCOUNTANT, "preferred_channel": "fax"}]},
            "contacts[0].preferred_channel",
        ),
        (
            {"contacts": [ACCOUNTANT, {"role": "other", "preferred_channel": "email"}]},
            "contacts[1].email",
        ),
        (
            {"contacts": [{**ACCOUNTANT, "phone": None, "preferred_channel": "sms"}]},
            "contacts[0].phone",
        ),
        ({"segment": ""}, "segment"),
    ],
)
async def test_bad_master_data_is_a_422_naming_the_field_and_changes_nothing(
    client: httpx.AsyncClient, session: AsyncSession, change: dict[str, Any], field: str
) -> None:
    response = await client.put(PATH, json={**DOCUMENT, **change})

    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert await customer_count(session) == 0


async def test_segment_filter_pages_through_only_that_segment(client: httpx.AsyncClient) -> None:
    wholesale: list[str] = []
    for number in range(7):
        for segment in ("wholesale", "retail"):
            body = {**DOCUMENT, "segment": segment}
            response = await client.put(
                f"/v1/customers/by-external-id/{segment}-{number}", json=body
            )
            if segment == "wholesale":
                wholesale.append(response.json()["id"])

    listed: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"segment": "wholesale", "limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/v1/customers", params=params)).json()
        listed += [item["id"] for item in page["items"]]
        assert all(item["segment"] == "wholesale" for item in page["items"])
        pages += 1
        if (cursor := page["next_cursor"]) is None:
            break

    # One test transaction: every created_at is equal, so the id decides the order.
    assert listed == sorted(wholesale)
    assert pages == 3


async def test_unknown_segment_lists_nothing(client: httpx.AsyncClient) -> None:
    await client.put(PATH, json=DOCUMENT)

    response = await client.get("/v1/customers", params={"segment": "government"})

    assert response.json() == {"items": [], "next_cursor": None}


async def test_a_customer_is_found_by_the_callers_external_id(
    client: httpx.AsyncClient,
) -> None:
    mine = (await client.put(PATH, json=DOCUMENT)).json()
    await client.put("/v1/customers/by-external-id/ERP-1002", json=DOCUMENT)

    found = await client.get("/v1/customers", params={"external_id": "ERP-1001"})
    unknown = await client.get("/v1/customers", params={"external_id": "ERP-9999"})
    too_long = await client.get("/v1/customers", params={"external_id": "x" * 101})

    assert [item["id"] for item in found.json()["items"]] == [mine["id"]]
    assert unknown.json() == {"items": [], "next_cursor": None}
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["field"] == "external_id"


async def test_put_needs_the_write_scope(client: httpx.AsyncClient, session: AsyncSession) -> None:
    response = await client.put(
        PATH, json=DOCUMENT, headers=await api_key_headers(session, Scope.READ)
    )

    assert response.status_code == 403
    assert await customer_count(session) == 0


async def test_get_by_id_shows_the_master_data(client: httpx.AsyncClient) -> None:
    created = (await client.put(PATH, json=DOCUMENT)).json()

    fetched = await client.get(f"/v1/customers/{created['id']}")

    assert fetched.json() == created
    assert uuid.UUID(created["id"])
