from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from receivables_shared.events import CustomerTermsChanged

if TYPE_CHECKING:
    from credit_policy.terms.effective import EffectiveTerms


def customer_terms_changed(terms: EffectiveTerms, effective_on: date) -> CustomerTermsChanged:
    return CustomerTermsChanged(
        customer_id=terms.customer_id,
        terms_version=terms.terms_version,
        effective_on=effective_on,
        risk_class=terms.risk_class,
        credit_allowed=terms.credit_allowed,
        currency=terms.currency,
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
        contract_clauses=tuple(sorted(terms.contract_clauses)),
    )
