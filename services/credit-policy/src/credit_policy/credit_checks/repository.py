"""All SQL of credit checks and reservations."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    DateTime,
    Select,
    Uuid,
    and_,
    bindparam,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.credit_checks.models import CreditReservation, ReservationStatus
from credit_policy.customers.models import Customer
from credit_policy.exposure.models import CustomerExposure
from credit_policy.holds.models import CreditHold, Stop
from credit_policy.risk_classes.models import RiskClass
from credit_policy.terms.models import CustomerCredit
from credit_policy.terms.repository import CreditStanding


@dataclass(frozen=True)
class Position:
    """What one check reads: the customer's open receivables, active reservations and holds."""

    open_amount: Decimal
    reserved: Decimal
    oldest_open_due_date: date | None
    on_hold: bool

    @property
    def exposure(self) -> Decimal:
        return self.open_amount + self.reserved


def _standing_and_position() -> Select[
    str, CustomerCredit, RiskClass, Decimal, Decimal, date | None, bool
]:
    """Everything a check reads: what the effective terms are computed from, and the position
    in the customer's own currency. Built once: on the hot path, building a statement and its
    cache key cost more than binding two values."""
    customer_id = bindparam("customer_id", type_=Uuid)
    now = bindparam("now", type_=DateTime(timezone=True))
    summary = (CustomerExposure.customer_id == customer_id) & (
        CustomerExposure.currency == Customer.currency
    )
    reserved = (
        select(func.coalesce(func.sum(CreditReservation.amount), 0))
        .where(
            CreditReservation.customer_id == customer_id,
            CreditReservation.currency == Customer.currency,
            CreditReservation.status == ReservationStatus.ACTIVE,
            # An expired reservation stops counting at its expires_at, before the job runs.
            CreditReservation.expires_at > now,
        )
        .scalar_subquery()
    )
    on_hold = exists().where(
        CreditHold.customer_id == customer_id,
        CreditHold.released_on.is_(None),
        CreditHold.stops.contains([Stop.NEW_CREDIT.value]),
    )
    return (
        select(
            Customer.currency,
            CustomerCredit,
            RiskClass,
            select(CustomerExposure.open_amount).where(summary).scalar_subquery(),
            reserved,
            select(CustomerExposure.oldest_open_due_date).where(summary).scalar_subquery(),
            on_hold,
        )
        .join(CustomerCredit, CustomerCredit.customer_id == Customer.id)
        .outerjoin(RiskClass, RiskClass.key == CustomerCredit.risk_class_key)
        .where(Customer.id == customer_id)
    )


STANDING_AND_POSITION = _standing_and_position()
#: The customer's credit row, locked until the transaction ends: the same row lock changes of
#: terms take (terms/repository.py), so reserving checks of one customer run one at a time.
LOCK_CREDIT = (
    select(CustomerCredit.customer_id)
    .where(CustomerCredit.customer_id == bindparam("customer_id", type_=Uuid))
    .with_for_update()
)
#: A Core insert, not a unit-of-work flush: the reservation is only written, never changed
#: in the same request.
INSERT_RESERVATION = insert(CreditReservation.__table__)  # type: ignore[arg-type]


class CreditCheckRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def standing_and_position(
        self, customer_id: uuid.UUID, now: datetime
    ) -> tuple[CreditStanding, Position] | None:
        """One statement, one round trip on the hot path; None for an unknown customer."""
        result = await self.session.execute(
            STANDING_AND_POSITION, {"customer_id": customer_id, "now": now}
        )
        row = result.one_or_none()
        if row is None:
            return None
        currency, credit, risk_class, open_amount, reserved_amount, oldest_due, held = row
        position = Position(
            open_amount=Decimal(open_amount or 0),
            reserved=Decimal(reserved_amount),
            oldest_open_due_date=oldest_due,
            on_hold=bool(held),
        )
        return CreditStanding(currency, credit, risk_class), position

    async def lock_credit(self, customer_id: uuid.UUID) -> None:
        await self.session.execute(LOCK_CREDIT, {"customer_id": customer_id})

    async def add(self, reservation: CreditReservation) -> CreditReservation:
        """Insert the reservation; the object returned carries its id, outside the session."""
        reservation.id = reservation.id or uuid.uuid4()
        await self.session.execute(
            INSERT_RESERVATION,
            {
                "id": reservation.id,
                "customer_id": reservation.customer_id,
                "currency": reservation.currency,
                "amount": reservation.amount,
                "order_reference": reservation.order_reference,
                "status": reservation.status,
                "created_at": reservation.created_at,
                "expires_at": reservation.expires_at,
                "ended_at": reservation.ended_at,
            },
        )
        return reservation

    async def get(
        self, reservation_id: uuid.UUID, *, for_update: bool = False
    ) -> CreditReservation | None:
        statement = select(CreditReservation).where(CreditReservation.id == reservation_id)
        if for_update:
            statement = statement.with_for_update()
        return await self.session.scalar(statement.execution_options(populate_existing=True))

    async def consume(
        self, customer_id: uuid.UUID, order_reference: str, now: datetime
    ) -> list[uuid.UUID]:
        ids = await self.session.scalars(
            update(CreditReservation)
            .where(
                CreditReservation.customer_id == customer_id,
                CreditReservation.order_reference == order_reference,
                CreditReservation.status == ReservationStatus.ACTIVE,
            )
            .values(status=ReservationStatus.CONSUMED, ended_at=now)
            .returning(CreditReservation.id)
        )
        return list(ids.all())

    async def expire_due(self, now: datetime) -> int:
        """One statement marks every reservation past its expires_at."""
        ids = await self.session.scalars(
            update(CreditReservation)
            .where(
                and_(
                    CreditReservation.status == ReservationStatus.ACTIVE,
                    CreditReservation.expires_at <= now,
                )
            )
            .values(status=ReservationStatus.EXPIRED, ended_at=CreditReservation.expires_at)
            .returning(CreditReservation.id)
        )
        return len(ids.all())
