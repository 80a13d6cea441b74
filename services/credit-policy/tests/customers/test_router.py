import uuid

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.customers.models import Customer
from receivables_shared.auth.keys import Scope
from receivables_shared.http.problems import ProblemType
from receivables_shared.outbox.models import OutboxEvent
from receivables_shared.testing.helpers import api_key_headers
from receivables_shared.testing.pagination import (
    assert_bad_cursors_are_422_naming_cursor,
    assert_limit_is_bounded,
    page_through,
)

VALID = {
    "name": "SIA Koks",
    "country": "LV",
    "language": "lv",
    "currency": "EUR",
    "tax_id": "LV40003521600",
}


async def test_create_customer_records_customer_created_in_the_outbox(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    response = await client.post("/v1/customers", json=VALID)

    assert response.status_code == 201, response.text
    customer = response.json()
    assert customer["name"] == "SIA Koks"
    events = (await session.scalars(select(OutboxEvent))).all()
    assert [(e.event_type, e.partition_key, e.topic) for e in events] == [
        ("receivables.CustomerCreated.v1", customer["id"], "credit-policy.events"),
        # ...and its first terms (no class, no credit): invoicing always has terms.
        ("receivables.CustomerTermsChanged.v1", customer["id"], "credit-policy.events"),
    ]
    assert events[0].payload["language"] == "lv"
    assert events[0].published_at is None


async def test_get_customer_returns_what_was_created(client: httpx.AsyncClient) -> None:
    created = (await client.post("/v1/customers", json=VALID)).json()

    response = await client.get(f"/v1/customers/{created['id']}")

    assert response.status_code == 200
    assert response.json() == created


async def test_unknown_customer_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/v1/customers/{uuid.uuid4()}")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404


async def test_bad_currency_is_a_422_problem_naming_the_field_and_changes_nothing(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    response = await client.post("/v1/customers", json={**VALID, "currency": "EURO"})

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert [error["field"] for error in problem["errors"]] == ["currency"]
    assert "currency" in problem["detail"]
    assert (await session.scalars(select(OutboxEvent))).all() == []


async def test_unknown_field_is_rejected(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/customers", json={**VALID, "credit_limit": "100"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "credit_limit"


async def test_missing_or_wrong_key_is_401(client: httpx.AsyncClient) -> None:
    missing = await client.get("/v1/customers", headers={"Authorization": ""})
    wrong = await client.get("/v1/customers", headers={"Authorization": "Bearer rk_nope_nope"})

    assert (missing.status_code, wrong.status_code) == (401, 401)
    assert wrong.headers["content-type"] == "application/problem+json"


async def test_read_only_key_cannot_write(client: httpx.AsyncClient, session: AsyncSession) -> None:
    read_only = await api_key_headers(session, Scope.READ)

    listing = await client.get("/v1/customers", headers=read_only)
    creation = await client.post("/v1/customers", json=VALID, headers=read_only)

    assert listing.status_code == 200
    assert creation.status_code == 403
    assert "write" in creation.json()["detail"]


async def test_retry_with_the_same_idempotency_key_replays_and_creates_nothing_more(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    headers = {"Idempotency-Key": "erp-order-7"}

    first = await client.post("/v1/customers", json=VALID, headers=headers)
    retry = await client.post("/v1/customers", json=VALID, headers=headers)

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert retry.headers["idempotent-replayed"] == "true"
    assert len((await session.scalars(select(Customer))).all()) == 1
    assert len((await session.scalars(select(OutboxEvent))).all()) == 2  # created, terms


async def test_idempotency_key_reused_for_another_body_is_a_422(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    headers = {"Idempotency-Key": "erp-order-8"}
    await client.post("/v1/customers", json=VALID, headers=headers)

    other = await client.post("/v1/customers", json={**VALID, "name": "Other"}, headers=headers)

    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    assert len((await session.scalars(select(Customer))).all()) == 1


async def test_idempotency_keys_belong_to_one_api_key(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    other_caller = await api_key_headers(session, Scope.WRITE)

    mine = await client.post("/v1/customers", json=VALID, headers={"Idempotency-Key": "k1"})
    theirs = await client.post(
        "/v1/customers", json=VALID, headers={**other_caller, "Idempotency-Key": "k1"}
    )

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]


async def test_without_a_key_every_post_creates(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await client.post("/v1/customers", json=VALID)
    await client.post("/v1/customers", json=VALID)

    assert len((await session.scalars(select(Customer))).all()) == 2


async def test_paging_returns_every_customer_once_while_more_are_created(
    client: httpx.AsyncClient,
) -> None:
    before = [(await client.post("/v1/customers", json=VALID)).json()["id"] for _ in range(11)]
    created: list[str] = []

    async def another_is_created() -> None:
        created.append((await client.post("/v1/customers", json=VALID)).json()["id"])

    listed = await page_through(client, "/v1/customers", limit=3, between_pages=another_is_created)

    ids = [c["id"] for c in listed]
    assert len(ids) == len(set(ids)), "no customer is listed twice"
    assert set(before) <= set(ids), "none that existed is missing"
    assert len(created) >= 3


async def test_listing_pages_what_was_created(client: httpx.AsyncClient) -> None:
    created = (await client.post("/v1/customers", json=VALID)).json()

    response = await client.get("/v1/customers")

    assert response.status_code == 200
    assert response.json() == {"items": [created], "next_cursor": None}


async def test_bad_cursor_is_a_422_naming_it(client: httpx.AsyncClient) -> None:
    await assert_bad_cursors_are_422_naming_cursor(
        client, "/v1/customers", list_name="customers", key_size=2
    )


async def test_limit_is_bounded(client: httpx.AsyncClient) -> None:
    await assert_limit_is_bounded(client, "/v1/customers")


async def customer_count(session: AsyncSession) -> int:
    return len((await session.scalars(select(Customer))).all())


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("country", "XX", "'XX' is not an ISO 3166-1 alpha-2 country code"),
        ("country", "EU", "'EU' is not an ISO 3166-1 alpha-2 country code"),
        ("language", "de", "'de' is not a language the platform serves (bg, en, lv, ru)"),
        ("currency", "XAU", "'XAU' is not the ISO 4217 code of a currency in use"),
        ("currency", "DEM", "'DEM' is not the ISO 4217 code of a currency in use"),
    ],
    ids=["unknown-country", "region-not-country", "unserved-language", "metal", "withdrawn"],
)
async def test_reference_codes_are_checked_and_the_problem_names_the_field(
    client: httpx.AsyncClient, session: AsyncSession, field: str, value: str, message: str
) -> None:
    response = await client.post("/v1/customers", json={**VALID, field: value})

    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": field, "location": "body", "message": message}]
    assert await customer_count(session) == 0


@pytest.mark.parametrize(
    ("country", "language", "currency"),
    [("BG", "bg", "EUR"), ("RU", "ru", "RUB"), ("GB", "en", "GBP")],
)
async def test_every_served_language_and_real_codes_are_accepted(
    client: httpx.AsyncClient, country: str, language: str, currency: str
) -> None:
    body = {**VALID, "country": country, "language": language, "currency": currency, "tax_id": None}

    response = await client.post("/v1/customers", json=body)

    assert response.status_code == 201, response.text


async def test_401_says_how_to_authenticate(client: httpx.AsyncClient) -> None:
    missing = await client.get("/v1/customers", headers={"Authorization": ""})
    wrong = await client.get("/v1/customers", headers={"Authorization": "Bearer rk_nope_nope"})

    assert missing.headers["www-authenticate"] == 'Bearer realm="receivables"'
    assert wrong.headers["www-authenticate"] == (
        'Bearer realm="receivables", error="invalid_token"'
    )
    for response in (missing, wrong):
        assert response.json()["type"] == ProblemType.UNAUTHORIZED


async def test_the_key_may_come_in_the_x_api_key_header(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    [(_, bearer)] = (await api_key_headers(session, Scope.READ)).items()

    response = await client.get(
        "/v1/customers",
        headers={"Authorization": "", "X-API-Key": bearer.removeprefix("Bearer ")},
    )

    assert response.status_code == 200


async def test_a_missing_scope_is_a_forbidden_problem(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    read_only = await api_key_headers(session, Scope.READ)

    response = await client.post("/v1/customers", json=VALID, headers=read_only)

    assert response.json()["type"] == ProblemType.FORBIDDEN
    assert "www-authenticate" not in response.headers


async def test_idempotency_key_problems_say_header(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await client.post("/v1/customers", json=VALID, headers={"Idempotency-Key": "k-9"})

    reused = await client.post(
        "/v1/customers", json={**VALID, "name": "Other"}, headers={"Idempotency-Key": "k-9"}
    )
    too_long = await client.post(
        "/v1/customers", json=VALID, headers={"Idempotency-Key": "k" * 201}
    )

    for response in (reused, too_long):
        assert response.status_code == 422
        [error] = response.json()["errors"]
        assert (error["field"], error["location"]) == ("Idempotency-Key", "header")
    assert await customer_count(session) == 1
