"""Helpers for tests that need a customer with credit (this service's and the e2e tests).

Tests import them from the package: with `--import-mode=importlib` a test module cannot import
another test module's helpers."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.risk_classes.models import RiskClass
from credit_policy.terms.effective import apply_credit_decision
from credit_policy.terms.models import CustomerCredit
from receivables_shared.clock import Clock


async def grant_credit(
    session: AsyncSession, clock: Clock, customer_id: uuid.UUID, *, class_key: str, limit: Decimal
) -> None:
    """A class of its own with no grace and no prepayment, a signed contract, and the credit
    decision with this limit, as an accepted assessment would leave them."""
    if await session.get(RiskClass, class_key) is None:
        session.add(
            RiskClass(
                key=class_key,
                name=class_key,
                credit_allowed=True,
                default_credit_limit=None,
                payment_term_days=30,
                business_day_rule="none",
                prepayment_percent=Decimal(0),
                early_payment_discount_percent=Decimal(0),
                early_payment_discount_days=0,
                late_interest_percent_per_month=Decimal(0),
                interest_grace_days=0,
                grace_days=0,
                dunning_policy=None,
                version=1,
            )
        )
    credit = await session.get(CustomerCredit, customer_id)
    assert credit is not None, f"customer {customer_id} has no credit row"
    credit.contract_signed_on = clock.today()
    await session.flush()
    await apply_credit_decision(
        session,
        clock,
        customer_id,
        risk_class=class_key,
        credit_limit=limit,
        credit_allowed=True,
        overrides={},
        reason="test",
        actor="test",
        source="test",
    )
