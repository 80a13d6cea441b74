"""The seam between the webhook inbox and allocation: who applies an IncomingPayment.

Allocation (issue 9) plugs in here with `register_payment_applier(...)`; until then the
default parks every delivery, so nothing is lost and each is retried once allocation exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.webhooks.adapters import IncomingPayment
from receivables_shared.clock import Clock


@dataclass(frozen=True)
class ApplyOutcome:
    #: applied: done for good; parked: not now (an invoice not arrived yet, another currency).
    result: Literal["applied", "parked"]
    reason: str | None = None

    @classmethod
    def applied(cls) -> ApplyOutcome:
        return cls("applied")

    @classmethod
    def parked(cls, reason: str) -> ApplyOutcome:
        return cls("parked", reason)


class PaymentApplier(Protocol):
    async def apply(
        self, session: AsyncSession, clock: Clock, payment: IncomingPayment
    ) -> ApplyOutcome:
        """Apply the payment in the worker's transaction (never commit), as of the worker's
        business date (`clock`). Called once per delivery until it answers applied; raising
        parks the delivery with the error's type."""
        ...


@runtime_checkable
class BatchPaymentApplier(PaymentApplier, Protocol):
    """An applier that can also take a whole batch in one go (fewer statements per delivery).
    The worker falls back to `apply` per delivery, a savepoint each, if the batch raises."""

    async def apply_batch(
        self, session: AsyncSession, clock: Clock, payments: Sequence[IncomingPayment]
    ) -> list[ApplyOutcome]:
        """One outcome per payment, in order; never commit."""
        ...


class ParkEverything:
    """The default until allocation is built: every delivery waits, none is lost."""

    REASON = "allocation not available"

    async def apply(
        self, session: AsyncSession, clock: Clock, payment: IncomingPayment
    ) -> ApplyOutcome:
        return ApplyOutcome.parked(self.REASON)


_registered: list[PaymentApplier] = [ParkEverything()]


def register_payment_applier(applier: PaymentApplier) -> None:
    """Called once at import by the module that implements allocation."""
    _registered[0] = applier


def payment_applier() -> PaymentApplier:
    return _registered[0]
