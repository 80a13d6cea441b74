"""Credit holds: placed by the overdue job, a dunning step or a person; released when the
overdue debt is paid (or the prepayment share of it), or by a person (docs/credit-checks.md)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.credit_checks.terms import load_credit_terms
from credit_policy.customers.repository import CustomerRepository
from credit_policy.holds.events import hold_placed, hold_released
from credit_policy.holds.models import CreditHold, HoldReason, Stop
from credit_policy.holds.repository import HoldRepository
from credit_policy.holds.schemas import HoldCreate, HoldRelease
from receivables_shared.clock import Clock
from receivables_shared.http.problems import InvalidField, NotFound, ProblemError
from receivables_shared.outbox import record_event

#: Contract clauses that allow suspending the service (requirement 9, 29).
SUSPENSION_CLAUSES = frozenset({"suspend_service", "disable_equipment_remotely"})


async def _known_customer(session: AsyncSession, customer_id: uuid.UUID) -> None:
    if await CustomerRepository(session).get(customer_id) is None:
        raise NotFound("Customer", customer_id)


async def place_hold(
    session: AsyncSession, clock: Clock, customer_id: uuid.UUID, data: HoldCreate, placed_by: str
) -> CreditHold:
    await _known_customer(session, customer_id)
    stops = list(dict.fromkeys(data.stops))  # once each, in the order given
    if Stop.SERVICE in stops:
        terms = await load_credit_terms(session, customer_id)
        clauses = terms.contract_clauses if terms else frozenset()
        if not SUSPENSION_CLAUSES & clauses:
            raise InvalidField(
                "stops",
                "stopping the service needs the contract clause suspend_service or "
                "disable_equipment_remotely, which this customer's contract lacks",
            )
    hold = await HoldRepository(session).add(
        CreditHold(
            customer_id=customer_id,
            reason=HoldReason.MANUAL,
            stops=[str(stop) for stop in stops],
            placed_on=clock.today(),
            placed_by=placed_by,
            note=f"{data.reason}\n{data.note}" if data.note else data.reason,
        )
    )
    record_event(session, hold_placed(hold), clock=clock)
    return hold


async def release_hold(
    session: AsyncSession, clock: Clock, hold_id: uuid.UUID, data: HoldRelease, released_by: str
) -> CreditHold:
    hold = await HoldRepository(session).get(hold_id, for_update=True)
    if hold is None:
        raise NotFound("Hold", hold_id)
    if hold.released_on is not None:
        raise ProblemError(409, f"Hold {hold_id} was released on {hold.released_on}.")
    hold.released_on = clock.today()
    hold.release_reason = data.reason
    hold.released_by = released_by
    await session.flush()
    record_event(session, hold_released(hold), clock=clock)
    return hold


async def holds_of(session: AsyncSession, customer_id: uuid.UUID) -> list[CreditHold]:
    await _known_customer(session, customer_id)
    return await HoldRepository(session).of_customer(customer_id)


async def place_overdue_holds(session: AsyncSession, clock: Clock) -> list[CreditHold]:
    """One statement places every hold due as of the business date; then their events."""
    placed = await HoldRepository(session).place_overdue(clock.today())
    for hold in placed:
        record_event(session, hold_placed(hold), clock=clock)
    return placed


async def place_dunning_hold(
    session: AsyncSession, clock: Clock, customer_id: uuid.UUID, step: int
) -> CreditHold | None:
    hold = await HoldRepository(session).place_for_dunning(
        customer_id, clock.today(), f"dunning step {step}"
    )
    if hold is not None:
        record_event(session, hold_placed(hold), clock=clock)
    return hold


async def release_settled(
    session: AsyncSession, clock: Clock, customer_id: uuid.UUID | None = None
) -> list[CreditHold]:
    """Lift the automatic holds whose overdue debt is paid (one customer's, or everyone's)."""
    released = await HoldRepository(session).release_settled(clock.today(), customer_id)
    for hold in released:
        record_event(session, hold_released(hold), clock=clock)
    return released
