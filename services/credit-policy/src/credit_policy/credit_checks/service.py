"""The credit check: one decision from the customer's terms, exposure and holds; with
`reserve`, the approved amount is set aside atomically (docs/credit-checks.md)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.credit_checks.models import CreditReservation, ReservationStatus
from credit_policy.credit_checks.repository import CreditCheckRepository, Position
from credit_policy.credit_checks.schemas import (
    CreditCheckRequest,
    CreditCheckResult,
    Decision,
    Reason,
)
from credit_policy.credit_checks.terms import CreditTerms, load_terms_and_position, lock_credit
from credit_policy.settings import Settings
from receivables_shared.clock import Clock
from receivables_shared.http.problems import InvalidField, NotFound, ProblemError
from receivables_shared.money import fits_minor_units, quantum

#: Reasons that stop credit outright (or, where the terms allow it, ask for prepayment).
HOLD_LIKE = frozenset({Reason.ON_HOLD, Reason.OVERDUE_BEYOND_GRACE})
#: Reasons a person must look at.
REFERRED = frozenset(
    {Reason.TERMS_NOT_AGREED, Reason.REVIEW_PENDING, Reason.SPECIAL_CONTROL_LARGE_ORDER}
)


def overdue_beyond_grace(oldest_open_due_date: date | None, grace_days: int, today: date) -> bool:
    """An open invoice whose due date plus the customer's grace days has passed."""
    return (
        oldest_open_due_date is not None
        and oldest_open_due_date + timedelta(days=grace_days) < today
    )


def reasons_for(
    terms: CreditTerms,
    position: Position,
    amount: Decimal,
    today: date,
    settings: Settings,
) -> list[Reason]:
    """Every reason that applies; `decide` turns them into one decision."""
    reasons: list[Reason] = []
    if position.on_hold:
        reasons.append(Reason.ON_HOLD)
    if overdue_beyond_grace(position.oldest_open_due_date, terms.grace_days, today):
        reasons.append(Reason.OVERDUE_BEYOND_GRACE)
    if terms.prepayment_only:
        reasons.append(Reason.PREPAYMENT_ONLY_CLASS)
        return reasons
    if not terms.credit_allowed:
        reasons.append(Reason.TERMS_NOT_AGREED)
        return reasons
    limit = terms.credit_limit or Decimal(0)
    if position.exposure + amount > limit:
        reasons.append(Reason.OVER_LIMIT)
    share = Decimal(settings.special_control_share_percent) / 100
    if terms.special_control and amount > limit * share:
        reasons.append(Reason.SPECIAL_CONTROL_LARGE_ORDER)
    return reasons


def decide(reasons: list[Reason], terms: CreditTerms | None) -> Decision:
    """Declined beats prepayment beats referred beats approved. While on hold (or overdue
    beyond grace) an order may go ahead against prepayment where the terms name a share."""
    prepayment_allowed = terms is not None and terms.prepayment_percent > 0
    if Reason.UNKNOWN_CUSTOMER in reasons or Reason.OVER_LIMIT in reasons:
        return Decision.DECLINED
    if HOLD_LIKE.intersection(reasons):
        return Decision.PREPAYMENT_REQUIRED if prepayment_allowed else Decision.DECLINED
    if Reason.PREPAYMENT_ONLY_CLASS in reasons:
        return Decision.PREPAYMENT_REQUIRED
    if REFERRED.intersection(reasons):
        return Decision.REFERRED
    return Decision.APPROVED


def prepayment_amount(amount: Decimal, terms: CreditTerms, currency: str) -> Decimal:
    # Rounded up to the currency's smallest unit: never ask for less than the share.
    share = amount * terms.prepayment_percent / 100
    return share.quantize(quantum(currency), rounding=ROUND_CEILING)


async def check_credit(
    session: AsyncSession, clock: Clock, settings: Settings, data: CreditCheckRequest
) -> CreditCheckResult:
    if data.reserve:
        # Before the read: the position must be read under the lock (docs/credit-checks.md).
        await lock_credit(session, data.customer_id)
    read = await load_terms_and_position(session, data.customer_id, clock.now())
    if read is None:
        # An order system gets a decision it can act on, not an error: nothing is reserved.
        return CreditCheckResult(
            decision=Decision.DECLINED,
            currency=data.currency,
            limit=None,
            exposure=Decimal(0),
            available=None,
            reasons=[Reason.UNKNOWN_CUSTOMER],
        )
    terms, position = read
    currency = terms.currency
    if data.currency != currency:
        raise InvalidField(
            "currency", f"the customer's credit is in {currency}, not {data.currency}"
        )
    if not fits_minor_units(data.amount, currency):
        raise InvalidField("amount", f"{currency} amounts have at most {quantum(currency)} steps")
    reasons = reasons_for(terms, position, data.amount, clock.today(), settings)
    if position.review_pending:  # a worsening under review (reviews/), read with the position
        reasons.append(Reason.REVIEW_PENDING)
    decision = decide(reasons, terms)
    limit = terms.credit_limit if terms.credit_allowed else None
    step = quantum(currency)  # answers in the currency's minor units: "1200.50", not "1200.500"
    result = CreditCheckResult(
        decision=decision,
        currency=currency,
        limit=None if limit is None else limit.quantize(step),
        exposure=position.exposure.quantize(step),
        available=None if limit is None else (limit - position.exposure).quantize(step),
        reasons=reasons,
    )
    if decision is Decision.PREPAYMENT_REQUIRED:
        result.prepayment_amount = prepayment_amount(data.amount, terms, currency)
    if decision is Decision.APPROVED and data.reserve:
        now = clock.now()
        result.reservation_id = await CreditCheckRepository(session).reserve(
            customer_id=data.customer_id,
            currency=currency,
            amount=data.amount,
            order_reference=data.order_reference,
            created_at=now,
            expires_at=now + timedelta(minutes=settings.reservation_ttl_minutes),
        )
    return result


async def release_reservation(
    session: AsyncSession, clock: Clock, reservation_id: uuid.UUID
) -> CreditReservation:
    """The order system gives the credit back; releasing twice is harmless."""
    repository = CreditCheckRepository(session)
    reservation = await repository.get(reservation_id, for_update=True)
    if reservation is None:
        raise NotFound("Reservation", reservation_id)
    if reservation.status == ReservationStatus.RELEASED:
        return reservation
    if reservation.status != ReservationStatus.ACTIVE:
        raise ProblemError(
            409, f"Reservation {reservation_id} is {reservation.status} and cannot be released."
        )
    reservation.status = ReservationStatus.RELEASED
    reservation.ended_at = clock.now()
    await session.flush()
    return reservation


async def get_reservation(session: AsyncSession, reservation_id: uuid.UUID) -> CreditReservation:
    reservation = await CreditCheckRepository(session).get(reservation_id)
    if reservation is None:
        raise NotFound("Reservation", reservation_id)
    return reservation


async def consume_reservations(
    session: AsyncSession, clock: Clock, customer_id: uuid.UUID, order_reference: str
) -> list[uuid.UUID]:
    """The invoice for the order was issued: its amount now counts instead."""
    return await CreditCheckRepository(session).consume(customer_id, order_reference, clock.now())


async def expire_reservations(session: AsyncSession, clock: Clock) -> int:
    return await CreditCheckRepository(session).expire_due(clock.now())
