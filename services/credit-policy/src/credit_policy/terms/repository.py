from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import Uuid, any_, cast, exists, literal, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.assessments.models import Assessment
from credit_policy.customers.models import Customer
from credit_policy.risk_classes.models import RiskClass
from credit_policy.terms.models import CustomerCredit


class CreditFacts(Protocol):
    """What `effective.resolve` reads of a customer's credit row (a CustomerCredit, or the
    credit check's plain row)."""

    @property
    def risk_class_key(self) -> str | None: ...
    @property
    def credit_limit(self) -> Decimal | None: ...
    @property
    def overrides(self) -> dict[str, Any]: ...
    @property
    def credit_allowed(self) -> bool: ...
    @property
    def special_control(self) -> bool: ...
    @property
    def terms_version(self) -> int: ...
    @property
    def contract_signed_on(self) -> date | None: ...
    @property
    def contract_clauses(self) -> list[str]: ...


class ClassFacts(Protocol):
    """What `effective.resolve` reads of a risk class, besides its terms (TERM_NAMES, read by
    name)."""

    @property
    def credit_allowed(self) -> bool: ...
    @property
    def default_credit_limit(self) -> Decimal | None: ...


class StandingFacts(Protocol):
    @property
    def currency(self) -> str: ...
    @property
    def credit(self) -> CreditFacts: ...
    @property
    def risk_class(self) -> ClassFacts | None: ...


@dataclass
class CreditStanding:
    """What the effective terms of one customer are computed from."""

    currency: str
    credit: CustomerCredit
    risk_class: RiskClass | None


class CreditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, credit: CustomerCredit) -> None:
        self.session.add(credit)

    async def standing(
        self, customer_id: uuid.UUID, *, for_update: bool = False
    ) -> CreditStanding | None:
        """One statement: the customer's currency, credit row and class (None: no customer)."""
        statement = (
            select(Customer.currency, CustomerCredit, RiskClass)
            .join(CustomerCredit, CustomerCredit.customer_id == Customer.id)
            .outerjoin(RiskClass, RiskClass.key == CustomerCredit.risk_class_key)
            .where(Customer.id == customer_id)
        )
        if for_update:
            # Only the credit row: the class row is shared by many customers.
            # populate_existing: a row read before the lock is refreshed to what was locked.
            statement = statement.with_for_update(of=CustomerCredit).execution_options(
                populate_existing=True
            )
        row = (await self.session.execute(statement)).one_or_none()
        return None if row is None else CreditStanding(row[0], row[1], row[2])

    async def standings(self, customer_ids: Sequence[uuid.UUID]) -> list[CreditStanding]:
        statement = (
            select(Customer.currency, CustomerCredit, RiskClass)
            .join(CustomerCredit, CustomerCredit.customer_id == Customer.id)
            .outerjoin(RiskClass, RiskClass.key == CustomerCredit.risk_class_key)
            # One array parameter, not one per id: a class may have many thousand customers.
            .where(Customer.id == any_(cast(literal(list(customer_ids)), ARRAY(Uuid))))
            .order_by(Customer.id)
            .execution_options(populate_existing=True)
        )
        rows = await self.session.execute(statement)
        return [
            CreditStanding(currency, credit, risk_class) for currency, credit, risk_class in rows
        ]

    async def lock(self, customer_id: uuid.UUID) -> CustomerCredit | None:
        statement = (
            select(CustomerCredit)
            .where(CustomerCredit.customer_id == customer_id)
            .with_for_update()
        )
        return await self.session.scalar(statement)

    async def bump_versions_of_class(self, risk_class_key: str) -> list[uuid.UUID]:
        """One UPDATE for every customer of the class; the ids whose terms went up a version."""
        result = await self.session.execute(
            update(CustomerCredit)
            .where(CustomerCredit.risk_class_key == risk_class_key)
            .values(terms_version=CustomerCredit.terms_version + 1)
            .returning(CustomerCredit.customer_id)
            .execution_options(synchronize_session="fetch")
        )
        return list(result.scalars())

    async def has_accepted_assessment(self, customer_id: uuid.UUID) -> bool:
        """A person accepted (or overrode) an assessment of the customer (requirement 5)."""
        found = await self.session.scalar(
            select(
                exists().where(
                    Assessment.customer_id == customer_id,
                    Assessment.status.in_(("accepted", "overridden")),
                )
            )
        )
        return bool(found)
