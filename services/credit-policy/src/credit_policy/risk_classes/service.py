"""Risk classes: data managed through the API (requirement 1). Changing a class changes the
terms of every customer in it: their versions go up in one UPDATE and each gets its
CustomerTermsChanged and a history entry."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.history.service import as_json
from credit_policy.risk_classes.models import RiskClass
from credit_policy.risk_classes.repository import RiskClassRepository
from credit_policy.risk_classes.schemas import RiskClassFields, RiskClassWrite
from credit_policy.terms.effective import resolve
from credit_policy.terms.events import customer_terms_changed
from credit_policy.terms.repository import CreditRepository
from receivables_shared.clock import Clock
from receivables_shared.http.problems import InvalidField, NotFound
from receivables_shared.outbox import record_event

FIELDS = tuple(RiskClassFields.model_fields)


def _check(data: RiskClassWrite) -> None:
    if not data.credit_allowed and data.prepayment_percent != 100:
        raise InvalidField("prepayment_percent", "a class without credit is prepaid in full: 100")
    if data.early_payment_discount_percent > 0 and (
        data.early_payment_discount_days > data.payment_term_days
    ):
        raise InvalidField(
            "early_payment_discount_days", "must not be longer than the payment term"
        )
    if data.default_credit_limit is not None and data.default_credit_limit <= 0:
        raise InvalidField("default_credit_limit", "must be greater than zero")


def _values(data: RiskClassWrite) -> dict[str, Any]:
    values = {field: getattr(data, field) for field in FIELDS}
    values["business_day_rule"] = str(data.business_day_rule)
    return values


async def list_risk_classes(session: AsyncSession) -> list[RiskClass]:
    return await RiskClassRepository(session).all()


async def get_risk_class(session: AsyncSession, key: str) -> RiskClass:
    risk_class = await RiskClassRepository(session).get(key)
    if risk_class is None:
        raise NotFound("Risk class", key)
    return risk_class


async def put_risk_class(
    session: AsyncSession, clock: Clock, key: str, data: RiskClassWrite, actor: str
) -> tuple[RiskClass, bool]:
    """Create (True) or update the class; an update re-announces its customers' terms."""
    _check(data)
    values = _values(data)
    repository = RiskClassRepository(session)
    risk_class = await repository.get(key, for_update=True)
    if risk_class is None:
        created = await repository.add_if_absent(key, values)
        if created is not None:
            return created, True
        # A concurrent PUT created it first: ours is an update of it.
        risk_class = await repository.get(key, for_update=True)
        assert risk_class is not None, "add_if_absent found it, so it exists"
    changed = {f: v for f, v in values.items() if getattr(risk_class, f) != v}
    if not changed:
        return risk_class, False
    before = {field: as_json(getattr(risk_class, field)) for field in changed}
    for field, value in changed.items():
        setattr(risk_class, field, value)
    risk_class.version += 1
    await session.flush()
    await session.refresh(risk_class)
    if set(changed) - {"name"}:
        await repository.record_class_change_for_customers(
            key,
            recorded_at=clock.now(),
            actor=actor,
            before=before,
            after=as_json(changed),
            reason=data.reason,
        )
        await _republish(session, clock, key)
    return risk_class, False


async def _republish(session: AsyncSession, clock: Clock, key: str) -> None:
    """Every customer of the class: one UPDATE of their versions, then one event each."""
    credits = CreditRepository(session)
    customer_ids = await credits.bump_versions_of_class(key)
    if not customer_ids:
        return
    for standing in await credits.standings(customer_ids):
        terms, _ = resolve(standing.credit.customer_id, standing)
        record_event(session, customer_terms_changed(terms, clock.today()), clock=clock)
