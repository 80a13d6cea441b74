from __future__ import annotations

import uuid

from fastapi import APIRouter

from credit_policy.dependencies import ApproveKeyDep, ClockDep, ReadKeyDep, SessionDep
from credit_policy.terms import service
from credit_policy.terms.schemas import (
    ContractChange,
    ContractRead,
    CreditDecisionChange,
    CreditLimitChange,
    DecisionRead,
    RiskClassChange,
    TermsChange,
    TermsRead,
)

router = APIRouter(prefix="/customers", tags=["credit terms"])


def _read(view: service.TermsView) -> TermsRead:
    terms, credit = view.terms, view.credit
    contract = None
    if credit.contract_signed_on is not None:
        contract = ContractRead(
            signed_on=credit.contract_signed_on,
            terms_version=credit.contract_terms_version,
            clauses=sorted(credit.contract_clauses),
        )
    return TermsRead(
        customer_id=terms.customer_id,
        terms_version=terms.terms_version,
        currency=terms.currency,
        risk_class=terms.risk_class,
        credit_allowed=terms.credit_allowed,
        credit_limit=terms.credit_limit,
        payment_term_days=terms.payment_term_days,
        business_day_rule=terms.business_day_rule,
        prepayment_percent=terms.prepayment_percent,
        early_payment_discount_percent=terms.early_payment_discount_percent,
        early_payment_discount_days=terms.early_payment_discount_days,
        late_interest_percent_per_month=terms.late_interest_percent_per_month,
        interest_grace_days=terms.interest_grace_days,
        grace_days=terms.grace_days,
        dunning_policy=terms.dunning_policy,
        special_control=terms.special_control,
        special_control_reason=credit.special_control_reason,
        sources=view.sources,
        decision=DecisionRead(
            credit_allowed=credit.credit_allowed,
            reason=credit.decision_reason,
            decided_at=credit.decided_at,
            facts=credit.decision_facts,
        ),
        contract=contract,
    )


@router.get("/{customer_id}/terms", response_model=TermsRead)
async def get_terms(customer_id: uuid.UUID, session: SessionDep, _: ReadKeyDep) -> TermsRead:
    """The effective terms and where each value comes from (class, override, default)."""
    return _read(await service.terms_view(session, customer_id))


@router.put("/{customer_id}/risk-class", response_model=TermsRead)
async def set_risk_class(
    customer_id: uuid.UUID,
    data: RiskClassChange,
    session: SessionDep,
    clock: ClockDep,
    key: ApproveKeyDep,
) -> TermsRead:
    return _read(await service.set_risk_class(session, clock, customer_id, data, key.name))


@router.put("/{customer_id}/terms", response_model=TermsRead)
async def set_terms(
    customer_id: uuid.UUID,
    data: TermsChange,
    session: SessionDep,
    clock: ClockDep,
    key: ApproveKeyDep,
) -> TermsRead:
    """Override some of the class's terms for this customer, with the reason (requirement 8)."""
    return _read(await service.set_overrides(session, clock, customer_id, data, key.name))


@router.put("/{customer_id}/credit-limit", response_model=TermsRead)
async def set_credit_limit(
    customer_id: uuid.UUID,
    data: CreditLimitChange,
    session: SessionDep,
    clock: ClockDep,
    key: ApproveKeyDep,
) -> TermsRead:
    return _read(await service.set_credit_limit(session, clock, customer_id, data, key.name))


@router.put("/{customer_id}/credit-decision", response_model=TermsRead)
async def record_credit_decision(
    customer_id: uuid.UUID,
    data: CreditDecisionChange,
    session: SessionDep,
    clock: ClockDep,
    key: ApproveKeyDep,
) -> TermsRead:
    """Grant or withdraw deferred payment, with the facts the decision rests on."""
    view = await service.record_credit_decision(session, clock, customer_id, data, key.name)
    return _read(view)


@router.put("/{customer_id}/contract", response_model=TermsRead)
async def set_contract(
    customer_id: uuid.UUID,
    data: ContractChange,
    session: SessionDep,
    clock: ClockDep,
    key: ApproveKeyDep,
) -> TermsRead:
    """The signed contract: date, the terms version the customer confirmed, its clauses."""
    return _read(await service.set_contract(session, clock, customer_id, data, key.name))
