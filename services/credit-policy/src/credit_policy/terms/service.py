"""The changes of a customer's terms the API offers; each is checked before anything changes.

The mechanics (lock, history entries, one CustomerTermsChanged) are in `effective.py`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.terms.effective import (
    EffectiveTerms,
    TermSources,
    change_standing,
    check_credit_allowed,
    check_limit,
    decide,
    override_changes,
    resolve,
    risk_class_named,
    stored_overrides,
)
from credit_policy.terms.models import CustomerCredit
from credit_policy.terms.repository import CreditRepository, CreditStanding
from credit_policy.terms.schemas import (
    ContractChange,
    CreditDecisionChange,
    CreditLimitChange,
    RiskClassChange,
    TermsChange,
)
from receivables_shared.clock import Clock
from receivables_shared.http.problems import InvalidField, NotFound

#: Where a change made through the API is recorded as coming from.
API = "api"

Changes = list[tuple[str, str | None, Any, Any]]


@dataclass(frozen=True)
class TermsView:
    terms: EffectiveTerms
    sources: TermSources
    credit: CustomerCredit


async def _standing(session: AsyncSession, customer_id: uuid.UUID) -> CreditStanding:
    standing = await CreditRepository(session).standing(customer_id)
    if standing is None:
        raise NotFound("Customer", customer_id)
    return standing


async def terms_view(session: AsyncSession, customer_id: uuid.UUID) -> TermsView:
    standing = await _standing(session, customer_id)
    terms, sources = resolve(customer_id, standing)
    return TermsView(terms, sources, standing.credit)


async def set_risk_class(
    session: AsyncSession, clock: Clock, customer_id: uuid.UUID, data: RiskClassChange, actor: str
) -> TermsView:
    await _standing(session, customer_id)  # an unknown customer is a 404 before a bad class
    risk_class = await risk_class_named(session, data.risk_class, field="risk_class")

    def mutate(standing: CreditStanding) -> Changes:
        credit = standing.credit
        if credit.risk_class_key == data.risk_class:
            return []
        before = credit.risk_class_key
        credit.risk_class_key, standing.risk_class = data.risk_class, risk_class
        return [("risk_class", None, before, data.risk_class)]

    await change_standing(
        session, clock, customer_id, mutate, reason=data.reason, actor=actor, source=API
    )
    return await terms_view(session, customer_id)


async def set_overrides(
    session: AsyncSession, clock: Clock, customer_id: uuid.UUID, data: TermsChange, actor: str
) -> TermsView:
    overrides = stored_overrides(data.overrides)
    if not overrides:
        raise InvalidField("overrides", "name at least one term to change")

    def mutate(standing: CreditStanding) -> Changes:
        return override_changes(standing.credit, overrides)

    await change_standing(
        session, clock, customer_id, mutate, reason=data.reason, actor=actor, source=API
    )
    return await terms_view(session, customer_id)


async def set_credit_limit(
    session: AsyncSession, clock: Clock, customer_id: uuid.UUID, data: CreditLimitChange, actor: str
) -> TermsView:
    standing = await _standing(session, customer_id)
    check_limit(
        data.amount,
        data.currency,
        standing.currency,
        amount_field="amount",
        currency_field="currency",
    )

    def mutate(standing: CreditStanding) -> Changes:
        credit = standing.credit
        if credit.credit_limit == data.amount:
            return []
        before = credit.credit_limit
        credit.credit_limit = data.amount
        return [("credit_limit", None, before, data.amount)]

    await change_standing(
        session, clock, customer_id, mutate, reason=data.reason, actor=actor, source=API
    )
    return await terms_view(session, customer_id)


async def record_credit_decision(
    session: AsyncSession,
    clock: Clock,
    customer_id: uuid.UUID,
    data: CreditDecisionChange,
    actor: str,
) -> TermsView:
    """Requirement 5, 8: deferred payment is a recorded decision on facts, never a default."""
    standing = await _standing(session, customer_id)
    if data.credit_allowed:
        check_credit_allowed(standing.risk_class, field="credit_allowed")
        if not data.facts:
            raise InvalidField("facts", "granting credit needs the facts it rests on")
        if not await CreditRepository(session).has_accepted_assessment(customer_id):
            raise InvalidField(
                "credit_allowed",
                "no accepted assessment of this customer: assess it "
                f"(POST /v1/customers/{customer_id}/assessments) and accept one first",
            )

    def mutate(standing: CreditStanding) -> Changes:
        return [decide(standing.credit, clock, data.credit_allowed, data.reason, data.facts)]

    await change_standing(
        session, clock, customer_id, mutate, reason=data.reason, actor=actor, source=API
    )
    return await terms_view(session, customer_id)


def _contract(credit: CustomerCredit) -> dict[str, Any] | None:
    if credit.contract_signed_on is None:
        return None
    return {
        "signed_on": credit.contract_signed_on,
        "terms_version": credit.contract_terms_version,
        "clauses": sorted(credit.contract_clauses),
    }


async def set_contract(
    session: AsyncSession, clock: Clock, customer_id: uuid.UUID, data: ContractChange, actor: str
) -> TermsView:
    """The signed contract: its date, the terms version confirmed, its clauses (R9)."""
    standing = await _standing(session, customer_id)
    if data.signed_on > clock.today():
        raise InvalidField("signed_on", "must not be after today's business date")
    if data.terms_version > standing.credit.terms_version:
        raise InvalidField(
            "terms_version",
            f"the customer's terms are at version {standing.credit.terms_version}; "
            f"version {data.terms_version} was never published",
        )
    clauses = sorted({str(clause) for clause in data.clauses})
    reason = data.reason or (
        f"contract signed on {data.signed_on} confirming terms version {data.terms_version}"
    )

    def mutate(standing: CreditStanding) -> Changes:
        credit = standing.credit
        before = _contract(credit)
        credit.contract_signed_on = data.signed_on
        credit.contract_terms_version = data.terms_version
        credit.contract_clauses = clauses
        after = _contract(credit)
        return [] if after == before else [("contract", None, before, after)]

    await change_standing(
        session, clock, customer_id, mutate, reason=reason, actor=actor, source=API
    )
    return await terms_view(session, customer_id)
