"""All SQL of credit checks and reservations."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import (
    DateTime,
    Select,
    Table,
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
from credit_policy.reviews.models import CreditReview
from credit_policy.risk_classes.models import RiskClass
from credit_policy.terms.models import CustomerCredit
from credit_policy.terms.repository import ClassFacts, CreditFacts
from credit_policy.terms.rules import TERM_NAMES
from receivables_shared.db.driver import DriverStatement


@dataclass(frozen=True)
class Position:
    """What one check reads: the customer's open receivables, active reservations and holds."""

    open_amount: Decimal
    reserved: Decimal
    oldest_open_due_date: date | None
    on_hold: bool
    #: A worsening of the customer is under review (reviews/): the check refers the order.
    review_pending: bool = False

    @property
    def exposure(self) -> Decimal:
        return self.open_amount + self.reserved


#: The columns `terms.effective.resolve` reads: the check builds the credit row and the class
#: from them without loading ORM entities (no identity map, no unused JSON decoded).
_CREDIT_COLUMNS = (
    "risk_class_key",
    "credit_limit",
    "overrides",
    "credit_allowed",
    "special_control",
    "terms_version",
    "contract_signed_on",
    "contract_clauses",
)
_CLASS_COLUMNS = ("key", "credit_allowed", "default_credit_limit", *TERM_NAMES)


def _standing_and_position() -> Select[Any]:
    """Everything a check reads in one Core statement: what the effective terms are computed
    from, and the position in the customer's own currency. Built once: on the hot path,
    building a statement and its cache key cost more than binding two values."""
    customer_table, credit_table, class_table = (
        cast(Table, Customer.__table__),
        cast(Table, CustomerCredit.__table__),
        cast(Table, RiskClass.__table__),
    )
    customers, credit, classes = customer_table.c, credit_table.c, class_table.c
    exposures = CustomerExposure.__table__.c
    reservations, holds = CreditReservation.__table__.c, CreditHold.__table__.c
    reviews = CreditReview.__table__.c
    customer_id = bindparam("customer_id", type_=Uuid)
    now = bindparam("now", type_=DateTime(timezone=True))
    summary = (exposures.customer_id == customer_id) & (exposures.currency == customers.currency)
    reserved = (
        select(func.coalesce(func.sum(reservations.amount), 0))
        .where(
            reservations.customer_id == customer_id,
            reservations.currency == customers.currency,
            reservations.status == ReservationStatus.ACTIVE,
            # An expired reservation stops counting at its expires_at, before the job runs.
            reservations.expires_at > now,
        )
        .scalar_subquery()
    )
    on_hold = exists().where(
        holds.customer_id == customer_id,
        holds.released_on.is_(None),
        holds.stops.contains([Stop.NEW_CREDIT.value]),
    )
    review_pending = exists().where(
        reviews.customer_id == customer_id,
        reviews.status == "open",
        reviews.worsening.is_(True),
    )
    return (
        select(
            customers.currency,
            *(credit[name].label(f"credit_{name}") for name in _CREDIT_COLUMNS),
            *(classes[name].label(f"class_{name}") for name in _CLASS_COLUMNS),
            select(exposures.open_amount).where(summary).scalar_subquery().label("open_amount"),
            reserved.label("reserved"),
            select(exposures.oldest_open_due_date)
            .where(summary)
            .scalar_subquery()
            .label("oldest_open_due_date"),
            on_hold.label("on_hold"),
            review_pending.label("review_pending"),
        )
        .select_from(customer_table)
        .join(credit_table, credit.customer_id == customers.id)
        .outerjoin(class_table, classes.key == credit.risk_class_key)
        .where(customers.id == customer_id)
    )


class _Columns:
    """Attribute access to one prefix of a row's columns, as `resolve` reads a credit row or a
    class: plain reads of the row, not ORM objects (whose construction cost a twentieth of a
    check)."""

    __slots__ = ("_prefix", "_values")

    def __init__(self, values: Any, prefix: str) -> None:
        self._values, self._prefix = values, prefix

    def __getattr__(self, name: str) -> Any:
        return self._values[self._prefix + name]


@dataclass(frozen=True, slots=True)
class CheckedStanding:
    """The credit check's standing, read by `terms.effective.resolve` (StandingFacts)."""

    currency: str
    credit: CreditFacts
    risk_class: ClassFacts | None


def _standing(values: Any) -> CheckedStanding:
    credit = cast(CreditFacts, _Columns(values, "credit_"))
    risk_class = None
    if values["class_key"] is not None:
        risk_class = cast(ClassFacts, _Columns(values, "class_"))
    return CheckedStanding(values["currency"], credit, risk_class)


#: Run by asyncpg itself (db/driver.py): the check's one statement, on its hot path.
STANDING_AND_POSITION = DriverStatement(_standing_and_position())
#: The customer's credit row, locked until the transaction ends: the same row lock changes of
#: terms take (terms/repository.py), so reserving checks of one customer run one at a time.
LOCK_CREDIT = (
    select(CustomerCredit.__table__.c.customer_id)
    .where(CustomerCredit.__table__.c.customer_id == bindparam("customer_id", type_=Uuid))
    .with_for_update()
)
_RESERVATION_COLUMNS = (
    "id",
    "customer_id",
    "currency",
    "amount",
    "order_reference",
    "status",
    "created_at",
    "expires_at",
    "ended_at",
)
#: Every column named, so the driver gets a value for each (db/driver.py runs it).
INSERT_RESERVATION = DriverStatement(
    insert(CreditReservation.__table__).values(  # type: ignore[arg-type]
        {name: bindparam(name) for name in _RESERVATION_COLUMNS}
    )
)


class CreditCheckRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def standing_and_position(
        self, customer_id: uuid.UUID, now: datetime
    ) -> tuple[CheckedStanding, Position] | None:
        """One statement, one round trip on the hot path; None for an unknown customer."""
        row = await STANDING_AND_POSITION.fetchrow(
            self.session, {"customer_id": customer_id, "now": now}
        )
        if row is None:
            return None
        position = Position(
            open_amount=Decimal(row["open_amount"] or 0),
            reserved=Decimal(row["reserved"]),
            oldest_open_due_date=row["oldest_open_due_date"],
            on_hold=bool(row["on_hold"]),
            review_pending=bool(row["review_pending"]),
        )
        return _standing(row), position

    async def lock_credit(self, customer_id: uuid.UUID) -> None:
        connection = await self.session.connection()
        await connection.execute(LOCK_CREDIT, {"customer_id": customer_id})

    async def reserve(
        self,
        *,
        customer_id: uuid.UUID,
        currency: str,
        amount: Decimal,
        order_reference: str,
        created_at: datetime,
        expires_at: datetime,
    ) -> uuid.UUID:
        """Insert an active reservation; its id. Plain values, no ORM object: the reservation
        is only written, never changed in the same request."""
        reservation_id = uuid.uuid4()
        await INSERT_RESERVATION.execute(
            self.session,
            {
                "id": reservation_id,
                "customer_id": customer_id,
                "currency": currency,
                "amount": amount,
                "order_reference": order_reference,
                "status": ReservationStatus.ACTIVE.value,
                "created_at": created_at,
                "expires_at": expires_at,
                "ended_at": None,
            },
        )
        return reservation_id

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
