"""The terms a credit check and the holds need (the seam to credit_policy.terms).

The check reads the effective terms themselves (`effective_terms`: a new limit counts at
once) and serialises a customer's reservations on `lock_customer_credit`. The set-based holds
job needs every customer's grace days and prepayment share inside one SQL statement; it joins
`credit_check_terms`, the snapshot of the last CustomerTermsChanged kept by the handler below,
instead of repeating the override-or-class rule of terms/effective.py in SQL.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.credit_checks.models import CreditCheckTerms
from credit_policy.credit_checks.repository import CreditCheckRepository, Position
from credit_policy.terms.effective import (
    EffectiveTerms,
    effective_terms,
    resolve,
)
from receivables_shared.consumer import HandlerContext
from receivables_shared.events import CustomerTermsChanged


@dataclass(frozen=True)
class CreditTerms:
    credit_allowed: bool
    currency: str
    credit_limit: Decimal | None
    risk_class: str | None
    grace_days: int
    prepayment_percent: Decimal
    special_control: bool
    #: e.g. "suspend_service", "disable_equipment_remotely" (requirement 9).
    contract_clauses: frozenset[str] = field(default_factory=frozenset)

    @property
    def prepayment_only(self) -> bool:
        """A class (e.g. a start-up's) that asks for the whole order in advance."""
        return self.risk_class is not None and self.prepayment_percent >= 100


async def load_credit_terms(session: AsyncSession, customer_id: uuid.UUID) -> CreditTerms | None:
    """The customer's effective terms now; None for an unknown customer."""
    terms = await effective_terms(session, customer_id)
    return None if terms is None else _credit_terms(terms)


async def load_terms_and_position(
    session: AsyncSession, customer_id: uuid.UUID, now: datetime
) -> tuple[CreditTerms, Position] | None:
    """The effective terms and the position in one statement (the check's hot path); the
    override-or-class rule stays in terms/effective.py. None for an unknown customer."""
    read = await CreditCheckRepository(session).standing_and_position(customer_id, now)
    if read is None:
        return None
    standing, position = read
    return _credit_terms(resolve(customer_id, standing)[0]), position


def _credit_terms(terms: EffectiveTerms) -> CreditTerms:
    return CreditTerms(
        credit_allowed=terms.credit_allowed,
        currency=terms.currency,
        credit_limit=terms.credit_limit,
        risk_class=terms.risk_class,
        grace_days=terms.grace_days,
        prepayment_percent=terms.prepayment_percent,
        special_control=terms.special_control,
        contract_clauses=terms.contract_clauses,
    )


async def lock_credit(session: AsyncSession, customer_id: uuid.UUID) -> None:
    """Hold the customer's credit row until the transaction ends: reserving checks (and
    changes of terms, terms/effective.py `lock_customer_credit`) of one customer run one after
    the other. One prepared statement that loads nothing (the check's hot path)."""
    await CreditCheckRepository(session).lock_credit(customer_id)


async def on_customer_terms_changed(
    session: AsyncSession, event: CustomerTermsChanged, context: HandlerContext
) -> None:
    """Keep the newest terms snapshot; an older terms_version arriving late is dropped."""
    values = {
        "terms_version": event.terms_version,
        "credit_allowed": event.credit_allowed,
        "risk_class": event.risk_class,
        "currency": event.currency,
        "credit_limit": event.credit_limit,
        "grace_days": event.grace_days,
        "prepayment_percent": event.prepayment_percent,
        "special_control": event.special_control,
        "updated_at": context.clock.now(),
    }
    statement = insert(CreditCheckTerms).values(customer_id=event.customer_id, **values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[CreditCheckTerms.customer_id],
            set_=values,
            where=CreditCheckTerms.terms_version < statement.excluded.terms_version,
        )
    )
