"""The terms a credit check and the holds need, in one place (the seam to credit terms).

Until credit_policy.terms (risk classes, limits, effective terms) is merged, the terms are
those last announced in CustomerTermsChanged, kept in `credit_check_terms` by the handler
below. That row is also what the set-based holds job joins for each customer's grace days.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.credit_checks.models import CreditCheckTerms
from receivables_shared.consumer import HandlerContext
from receivables_shared.events import CustomerTermsChanged

#: The risk class whose customers never buy on credit.
PREPAYMENT_ONLY_CLASS = "prepayment_only"


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
        return self.risk_class == PREPAYMENT_ONLY_CLASS or self.prepayment_percent >= 100


async def load_credit_terms(session: AsyncSession, customer_id: uuid.UUID) -> CreditTerms | None:
    """The customer's effective terms; None when none were ever set."""
    row = await session.scalar(
        select(CreditCheckTerms).where(CreditCheckTerms.customer_id == customer_id)
    )
    if row is None:
        return None
    return CreditTerms(
        credit_allowed=row.credit_allowed,
        currency=row.currency,
        credit_limit=row.credit_limit,
        risk_class=row.risk_class,
        grace_days=row.grace_days,
        prepayment_percent=row.prepayment_percent,
        special_control=row.special_control,
    )


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
