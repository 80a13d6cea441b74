import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.assessments.models import Assessment
from credit_policy.credit_checks.terms import on_customer_terms_changed
from credit_policy.definition import SERVICE
from credit_policy.risk_classes.models import RiskClass
from credit_policy.terms.effective import apply_credit_decision, set_special_control
from credit_policy.terms.models import CustomerCredit
from receivables_shared.clock import ManualClock
from receivables_shared.events import CustomerTermsChanged
from receivables_shared.outbox.models import OutboxEvent
from receivables_shared.testing.events import handler_context
from receivables_shared.testing.service import service_fixtures

globals().update(service_fixtures(SERVICE))


@pytest.fixture
def assessed(session: AsyncSession, clock: ManualClock) -> Callable[[uuid.UUID], Awaitable[None]]:
    """Record an accepted assessment of the customer, as a person accepting one would leave it
    (the assessments tests go through the API); a credit grant needs one (requirement 5)."""

    async def make(customer_id: uuid.UUID) -> None:
        session.add(
            Assessment(
                customer_id=customer_id,
                scorecard_version=1,
                facts={},
                score=Decimal("80.00"),
                proposed_class="A",
                proposed_limit=None,
                currency="EUR",
                reasons=[],
                status="accepted",
                decision_reason="test",
                decided_by="test",
                decided_at=clock.now(),
                created_at=clock.now(),
            )
        )
        await session.flush()

    return make


# Helpers of the terms, risk class and history tests (one conftest per service: mypy would
# see two modules named "conftest").
@pytest.fixture
def new_customer(client: httpx.AsyncClient) -> Callable[..., Awaitable[uuid.UUID]]:
    """Create a customer through the API; its id."""

    async def make(currency: str = "EUR", name: str = "SIA Koks") -> uuid.UUID:
        response = await client.post(
            "/v1/customers",
            json={"name": name, "country": "LV", "language": "lv", "currency": currency},
        )
        assert response.status_code == 201, response.text
        return uuid.UUID(response.json()["id"])

    return make


@pytest.fixture
def events_of(session: AsyncSession) -> Callable[[uuid.UUID], Awaitable[list[dict[str, Any]]]]:
    """The customer's CustomerTermsChanged payloads, in the order they were recorded."""

    async def read(customer_id: uuid.UUID) -> list[dict[str, Any]]:
        rows = await session.scalars(
            select(OutboxEvent)
            .where(
                OutboxEvent.event_type == "receivables.CustomerTermsChanged.v1",
                OutboxEvent.partition_key == str(customer_id),
            )
            .order_by(OutboxEvent.id)
        )
        return [row.payload for row in rows]

    return read


# Helpers of the credit check, exposure and holds tests.
@pytest.fixture
def credit_customer(
    session: AsyncSession, clock: ManualClock, new_customer: Callable[..., Awaitable[uuid.UUID]]
) -> Callable[..., Awaitable[uuid.UUID]]:
    """A customer with agreed terms: a class of its own with these terms, a signed contract
    and a credit decision; its CustomerTermsChanged is applied as the consumer would."""

    async def make(
        limit: str | None = "5000.00",
        *,
        currency: str = "EUR",
        grace_days: int = 0,
        prepayment_percent: str = "0",
        clauses: tuple[str, ...] = (),
        special_control: bool = False,
        credit_allowed: bool = True,
    ) -> uuid.UUID:
        customer_id = await new_customer(currency=currency)
        key = f"c{uuid.uuid4().hex[:12]}"
        class_allows_credit = Decimal(prepayment_percent) < 100
        session.add(
            RiskClass(
                key=key,
                name=key,
                credit_allowed=class_allows_credit,
                default_credit_limit=None,
                payment_term_days=30,
                business_day_rule="none",
                prepayment_percent=Decimal(prepayment_percent),
                early_payment_discount_percent=Decimal(0),
                early_payment_discount_days=0,
                late_interest_percent_per_month=Decimal(0),
                interest_grace_days=0,
                grace_days=grace_days,
                dunning_policy=None,
                version=1,
            )
        )
        credit = await session.get(CustomerCredit, customer_id)
        assert credit is not None
        credit.contract_signed_on = clock.today()
        credit.contract_clauses = list(clauses)
        await session.flush()
        await apply_credit_decision(
            session,
            clock,
            customer_id,
            risk_class=key,
            credit_limit=None if limit is None else Decimal(limit),
            credit_allowed=credit_allowed and class_allows_credit,
            overrides={},
            reason="test",
            actor="test",
            source="test",
        )
        if special_control:
            await set_special_control(
                session,
                clock,
                customer_id,
                special_control=True,
                reason="test",
                actor="test",
                source="test",
            )
        latest = await session.scalar(
            select(OutboxEvent)
            .where(
                OutboxEvent.event_type == CustomerTermsChanged.event_type(),
                OutboxEvent.partition_key == str(customer_id),
            )
            .order_by(OutboxEvent.id.desc())
            .limit(1)
        )
        assert latest is not None
        await on_customer_terms_changed(
            session,
            CustomerTermsChanged.model_validate(latest.payload),
            handler_context(clock, CustomerTermsChanged),
        )
        return customer_id

    return make
