"""A customer's effective terms, and every change of them.

This module is the contract other credit-policy folders build on: the credit check reads
`effective_terms` and serialises a customer's reservations with `lock_customer_credit`;
accepting an assessment calls `apply_credit_decision`; special control is set with
`set_special_control`. Every change that alters the effective terms bumps `terms_version` and
records one CustomerTermsChanged (the full snapshot) in the same transaction.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from decimal import ROUND_DOWN, Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.history.service import record_change
from credit_policy.risk_classes.models import RiskClass
from credit_policy.terms.events import customer_terms_changed
from credit_policy.terms.models import CustomerCredit
from credit_policy.terms.repository import CreditRepository, CreditStanding, StandingFacts
from credit_policy.terms.rules import (
    PERCENT_TERMS,
    TERM_NAMES,
    BusinessDayRule,
    ContractClause,
    stored_term,
    term_value,
)
from credit_policy.terms.schemas import TermOverrides
from receivables_shared.clock import Clock
from receivables_shared.http.problems import InvalidField, NotFound
from receivables_shared.money import fits_minor_units, minor_units, quantum
from receivables_shared.outbox import record_event

log = logging.getLogger(__name__)

PERCENT_QUANTUM = Decimal("0.01")

#: The terms of a customer without a risk class: no credit, pay in advance, nothing accrues.
#: A new customer announces these at once, so invoicing always has terms to apply.
UNCLASSIFIED_TERMS: Mapping[str, Any] = {
    "payment_term_days": 0,
    "business_day_rule": BusinessDayRule.NONE.value,
    "prepayment_percent": Decimal("100.00"),
    "early_payment_discount_percent": Decimal("0.00"),
    "early_payment_discount_days": 0,
    "late_interest_percent_per_month": Decimal("0.00"),
    "interest_grace_days": 0,
    "grace_days": 0,
    "dunning_policy": None,
}


@dataclass(frozen=True)
class EffectiveTerms:
    customer_id: uuid.UUID
    currency: str
    risk_class: str | None
    #: True only with a granted credit decision, a class that allows credit and a contract.
    credit_allowed: bool
    #: The customer's limit, else the class default (in the customer's currency); None: none.
    credit_limit: Decimal | None
    payment_term_days: int
    business_day_rule: str
    prepayment_percent: Decimal
    early_payment_discount_percent: Decimal
    early_payment_discount_days: int
    late_interest_percent_per_month: Decimal
    interest_grace_days: int
    grace_days: int
    dunning_policy: str | None
    special_control: bool
    terms_version: int
    contract_clauses: frozenset[str]


#: Where an effective value comes from: "override", "risk_class", "default" (no class),
#: "customer" (a limit set for the customer) or "none" (no limit at all).
TermSources = dict[str, str]


def has_clause(terms: EffectiveTerms, clause: ContractClause | str) -> bool:
    """Whether the customer's contract reserves `clause` (e.g. before suspending service)."""
    return str(clause) in terms.contract_clauses


def _quantized(term: str, value: Any) -> Any:
    return value.quantize(PERCENT_QUANTUM) if term in PERCENT_TERMS else value


def resolve(customer_id: uuid.UUID, standing: StandingFacts) -> tuple[EffectiveTerms, TermSources]:
    """The effective terms: each term is the customer's override, else the class's value."""
    credit, risk_class = standing.credit, standing.risk_class
    values: dict[str, Any] = {}
    sources: TermSources = {}
    for term in TERM_NAMES:
        if term in credit.overrides:
            values[term], sources[term] = term_value(term, credit.overrides[term]), "override"
        elif risk_class is not None:
            values[term], sources[term] = getattr(risk_class, term), "risk_class"
        else:
            values[term], sources[term] = UNCLASSIFIED_TERMS[term], "default"
        values[term] = _quantized(term, values[term])
    limit: Decimal | None = None
    sources["credit_limit"] = "none"
    if credit.credit_limit is not None:
        limit, sources["credit_limit"] = credit.credit_limit, "customer"
    elif risk_class is not None and risk_class.default_credit_limit is not None:
        limit, sources["credit_limit"] = risk_class.default_credit_limit, "risk_class"
    if limit is not None:
        # A class default may carry more decimals than the customer's currency has (JPY).
        limit = limit.quantize(quantum(standing.currency), rounding=ROUND_DOWN)
    allowed = (
        credit.credit_allowed
        and risk_class is not None
        and risk_class.credit_allowed
        and credit.contract_signed_on is not None
    )
    terms = EffectiveTerms(
        customer_id=customer_id,
        currency=standing.currency,
        risk_class=credit.risk_class_key,
        credit_allowed=allowed,
        credit_limit=limit,
        special_control=credit.special_control,
        terms_version=credit.terms_version,
        contract_clauses=frozenset(credit.contract_clauses),
        **values,
    )
    return terms, sources


async def effective_terms(session: AsyncSession, customer_id: uuid.UUID) -> EffectiveTerms | None:
    """The customer's terms now, in one statement; None for an unknown customer."""
    standing = await CreditRepository(session).standing(customer_id)
    return None if standing is None else resolve(customer_id, standing)[0]


async def terms_with_sources(
    session: AsyncSession, customer_id: uuid.UUID
) -> tuple[EffectiveTerms, TermSources]:
    standing = await CreditRepository(session).standing(customer_id)
    if standing is None:
        raise NotFound("Customer", customer_id)
    return resolve(customer_id, standing)


async def lock_customer_credit(
    session: AsyncSession, customer_id: uuid.UUID
) -> CustomerCredit | None:
    """SELECT ... FOR UPDATE of the customer's credit row, held until the transaction ends.

    Everything that must see one customer's credit unchanged while it decides (reservations,
    changes of terms) takes this lock first. None for an unknown customer."""
    return await CreditRepository(session).lock(customer_id)


def open_credit_account(
    session: AsyncSession, clock: Clock, customer_id: uuid.UUID, currency: str
) -> EffectiveTerms:
    """The credit row of a new customer (no class, no credit) and its first terms event."""
    credit = CustomerCredit(
        customer_id=customer_id,
        risk_class_key=None,
        credit_limit=None,
        overrides={},
        credit_allowed=False,
        decision_facts={},
        special_control=False,
        terms_version=1,
        contract_clauses=[],
    )
    CreditRepository(session).add(credit)
    terms, _ = resolve(customer_id, CreditStanding(currency, credit, None))
    record_event(session, customer_terms_changed(terms, clock.today()), clock=clock)
    return terms


def _announce(
    session: AsyncSession, clock: Clock, customer_id: uuid.UUID, standing: CreditStanding
) -> EffectiveTerms:
    standing.credit.terms_version += 1
    terms, _ = resolve(customer_id, standing)
    record_event(session, customer_terms_changed(terms, clock.today()), clock=clock)
    return terms


async def publish_terms(
    session: AsyncSession, clock: Clock, customer_id: uuid.UUID, *, actor: str, reason: str
) -> EffectiveTerms:
    """Bump the terms version and record CustomerTermsChanged with the effective terms."""
    standing = await _standing_for_change(session, customer_id)
    terms = _announce(session, clock, customer_id, standing)
    await session.flush()
    log.info(
        "terms published",
        extra={"customer_id": str(customer_id), "actor": actor, "reason": reason},
    )
    return terms


async def _standing_for_change(session: AsyncSession, customer_id: uuid.UUID) -> CreditStanding:
    standing = await CreditRepository(session).standing(customer_id, for_update=True)
    if standing is None:
        raise NotFound("Customer", customer_id)
    return standing


def _without_version(terms: EffectiveTerms) -> EffectiveTerms:
    return replace(terms, terms_version=0)


#: One change of the standing, checked already: it mutates the standing and returns the
#: history entries it makes as (change, term, before, after).
Mutation = Callable[[CreditStanding], list[tuple[str, str | None, Any, Any]]]


async def change_standing(
    session: AsyncSession,
    clock: Clock,
    customer_id: uuid.UUID,
    mutate: Mutation,
    *,
    reason: str,
    actor: str,
    source: str,
) -> EffectiveTerms:
    """Apply `mutate` under the customer's lock: one history entry per change it reports,
    and one CustomerTermsChanged when the effective terms moved."""
    standing = await _standing_for_change(session, customer_id)
    before, _ = resolve(customer_id, standing)
    for change, term, old, new in mutate(standing):
        record_change(
            session,
            clock,
            customer_id,
            change=change,
            term=term,
            before=old,
            after=new,
            reason=reason,
            actor=actor,
            source=source,
        )
    after, _ = resolve(customer_id, standing)
    if _without_version(after) != _without_version(before):
        after = _announce(session, clock, customer_id, standing)
    await session.flush()
    return after


def check_limit(
    amount: Decimal,
    currency: str,
    customer_currency: str,
    *,
    amount_field: str,
    currency_field: str,
) -> None:
    """A limit is positive, in the customer's currency and within its minor units (422s)."""
    if currency != customer_currency:
        raise InvalidField(
            currency_field, f"the customer trades in {customer_currency}, not {currency}"
        )
    if amount <= 0:
        raise InvalidField(amount_field, "must be greater than zero")
    if not fits_minor_units(amount, currency):
        raise InvalidField(
            amount_field, f"{currency} amounts have at most {minor_units(currency)} decimals"
        )


def stored_overrides(overrides: TermOverrides) -> dict[str, Any]:
    """The terms sent, term -> stored value; None removes the override."""
    return {
        term: stored_term(term, getattr(overrides, term)) for term in overrides.model_fields_set
    }


def parse_overrides(overrides: Mapping[str, Any], *, field: str = "overrides") -> dict[str, Any]:
    """Checked overrides from plain values (422 naming the term), as `stored_overrides`."""
    try:
        parsed = TermOverrides.model_validate(dict(overrides))
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InvalidField(f"{field}.{where}", first["msg"]) from error
    return stored_overrides(parsed)


def override_changes(
    credit: CustomerCredit, overrides: Mapping[str, Any]
) -> list[tuple[str, str | None, Any, Any]]:
    """Apply parsed overrides to the row; one history entry per term that really changed."""
    changes: list[tuple[str, str | None, Any, Any]] = []
    merged = dict(credit.overrides)
    for term in TERM_NAMES:
        if term not in overrides or merged.get(term) == overrides[term]:
            continue
        changes.append(("term_override", term, merged.get(term), overrides[term]))
        if overrides[term] is None:
            del merged[term]
        else:
            merged[term] = overrides[term]
    credit.overrides = merged
    return changes


async def risk_class_named(
    session: AsyncSession, key: str | None, *, field: str
) -> RiskClass | None:
    if key is None:
        return None
    risk_class = await session.get(RiskClass, key)
    if risk_class is None:
        raise InvalidField(field, f"there is no risk class {key!r}")
    return risk_class


def check_credit_allowed(risk_class: RiskClass | None, *, field: str) -> None:
    """Granting credit needs a class that allows it (requirement 5: assessed first)."""
    if risk_class is None:
        raise InvalidField(field, "the customer has no risk class yet: assess and classify first")
    if not risk_class.credit_allowed:
        raise InvalidField(field, f"risk class {risk_class.key!r} allows no credit")


async def apply_credit_decision(
    session: AsyncSession,
    clock: Clock,
    customer_id: uuid.UUID,
    *,
    risk_class: str | None,
    credit_limit: Decimal | None,
    credit_allowed: bool,
    overrides: Mapping[str, Any],
    reason: str,
    actor: str,
    source: str,
    facts: Mapping[str, Any] | None = None,
) -> EffectiveTerms:
    """A whole credit decision at once (what accepting an assessment calls).

    Sets the class, the limit (None: the class default), merges the overrides (None removes
    one) and records the decision with its facts. Everything is checked before anything
    changes; one history entry per change, one CustomerTermsChanged if the terms moved."""
    new_class = await risk_class_named(session, risk_class, field="risk_class")
    if credit_allowed:
        check_credit_allowed(new_class, field="credit_allowed")
    parsed = parse_overrides(overrides)
    standing = await _standing_for_change(session, customer_id)
    if credit_limit is not None:
        check_limit(
            credit_limit,
            standing.currency,
            standing.currency,
            amount_field="credit_limit",
            currency_field="credit_limit",
        )

    def mutate(standing: CreditStanding) -> list[tuple[str, str | None, Any, Any]]:
        credit = standing.credit
        changes: list[tuple[str, str | None, Any, Any]] = []
        if credit.risk_class_key != risk_class:
            changes.append(("risk_class", None, credit.risk_class_key, risk_class))
            credit.risk_class_key, standing.risk_class = risk_class, new_class
        if credit.credit_limit != credit_limit:
            changes.append(("credit_limit", None, credit.credit_limit, credit_limit))
            credit.credit_limit = credit_limit
        changes += override_changes(credit, parsed)
        changes.append(decide(credit, clock, credit_allowed, reason, facts))
        return changes

    return await change_standing(
        session, clock, customer_id, mutate, reason=reason, actor=actor, source=source
    )


def decide(
    credit: CustomerCredit,
    clock: Clock,
    credit_allowed: bool,
    reason: str,
    facts: Mapping[str, Any] | None,
) -> tuple[str, str | None, Any, Any]:
    """Record the decision on the row; a decision is an entry even when it confirms the last."""
    before = {"credit_allowed": credit.credit_allowed, "facts": credit.decision_facts}
    credit.credit_allowed = credit_allowed
    credit.decision_reason = reason
    credit.decided_at = clock.now()
    credit.decision_facts = dict(facts or {})
    after = {"credit_allowed": credit_allowed, "facts": credit.decision_facts}
    return ("credit_decision", None, before, after)


async def set_special_control(
    session: AsyncSession,
    clock: Clock,
    customer_id: uuid.UUID,
    *,
    special_control: bool,
    reason: str,
    actor: str,
    source: str,
) -> EffectiveTerms:
    """Put a customer under special control or take it off (requirements 6, 7)."""

    def mutate(standing: CreditStanding) -> list[tuple[str, str | None, Any, Any]]:
        credit = standing.credit
        if credit.special_control == special_control:
            return []
        before = credit.special_control
        credit.special_control = special_control
        credit.special_control_reason = reason if special_control else None
        return [("special_control", None, before, special_control)]

    return await change_standing(
        session, clock, customer_id, mutate, reason=reason, actor=actor, source=source
    )


__all__ = [
    "UNCLASSIFIED_TERMS",
    "EffectiveTerms",
    "apply_credit_decision",
    "effective_terms",
    "has_clause",
    "lock_customer_credit",
    "publish_terms",
    "set_special_control",
]
