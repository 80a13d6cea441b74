"""All SQL of credit holds. The automatic placing and releasing are one statement each."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.holds.models import CreditHold

SYSTEM = "system"

# Customers with an open invoice past its due date plus their grace days (none without
# agreed terms: grace is a deliberate decision, requirement 8), in any currency, one hold each;
# the partial unique index makes a second run (or a second replica) insert nothing. The debt
# it records is the overdue in the customer's own currency (the limit's): amounts in two
# currencies are never added.
PLACE_OVERDUE_HOLDS = text("""
INSERT INTO credit_holds
    (id, customer_id, reason, stops, placed_on, placed_by, debt_at_placement, debt_currency)
SELECT gen_random_uuid(), e.customer_id, 'overdue_beyond_grace',
       ARRAY['new_credit', 'support']::varchar[], :as_of, 'system',
       coalesce(sum(e.open_amount) FILTER (WHERE e.currency = c.currency), 0), c.currency
FROM exposure_invoices e
LEFT JOIN customers c ON c.id = e.customer_id
LEFT JOIN credit_check_terms t ON t.customer_id = e.customer_id
WHERE e.open_amount > 0
  AND e.due_date + coalesce(t.grace_days, 0) < :as_of
GROUP BY e.customer_id, c.currency
ON CONFLICT (customer_id, reason)
    WHERE released_on IS NULL AND reason IN ('overdue_beyond_grace', 'dunning_step')
    DO NOTHING
RETURNING id
""")

PLACE_DUNNING_HOLD = text("""
INSERT INTO credit_holds
    (id, customer_id, reason, stops, placed_on, placed_by, note, debt_at_placement,
     debt_currency)
SELECT gen_random_uuid(), :customer_id, 'dunning_step', ARRAY['new_credit']::varchar[],
       :as_of, 'system', :note,
       (SELECT coalesce(sum(e.open_amount), 0) FROM exposure_invoices e
        WHERE e.customer_id = :customer_id AND e.open_amount > 0 AND e.due_date < :as_of
          AND e.currency = c.currency),
       c.currency
FROM (SELECT 1) AS one
LEFT JOIN customers c ON c.id = :customer_id
ON CONFLICT (customer_id, reason)
    WHERE released_on IS NULL AND reason IN ('overdue_beyond_grace', 'dunning_step')
    DO NOTHING
RETURNING id
""")

# An automatic hold is lifted when its overdue debt is gone, in every currency (past grace for
# an overdue hold, past the due date for a dunning hold), or when the customer has paid at least
# the prepayment share of the terms of what was overdue in the hold's debt currency when it was
# placed, and owes nothing overdue in any other currency (amounts in two currencies are never
# compared).
RELEASE_SETTLED_HOLDS = """
WITH overdue AS (
    SELECT h.id, h.reason, h.debt_currency, e.currency, e.open_amount, t.prepayment_percent,
           e.open_amount > 0
               AND e.due_date + CASE WHEN h.reason = 'dunning_step' THEN 0
                                     ELSE coalesce(t.grace_days, 0) END
                   < :as_of AS is_overdue
    FROM credit_holds h
    LEFT JOIN credit_check_terms t ON t.customer_id = h.customer_id
    LEFT JOIN exposure_invoices e ON e.customer_id = h.customer_id
    WHERE h.released_on IS NULL
      AND h.reason IN ('overdue_beyond_grace', 'dunning_step')
      {customer_filter}
),
debt AS (
    SELECT id,
           coalesce(sum(open_amount) FILTER (
               WHERE is_overdue AND currency = debt_currency), 0) AS overdue,
           coalesce(sum(open_amount) FILTER (
               WHERE is_overdue AND currency IS DISTINCT FROM debt_currency), 0)
               AS overdue_elsewhere,
           coalesce(max(prepayment_percent), 0) AS prepayment_percent
    FROM overdue
    GROUP BY id
)
UPDATE credit_holds h
SET released_on = :as_of, released_by = 'system',
    release_reason = CASE WHEN d.overdue = 0 AND d.overdue_elsewhere = 0 THEN 'overdue_paid'
                          ELSE 'prepayment_share_paid' END
FROM debt d
WHERE h.id = d.id
  AND d.overdue_elsewhere = 0
  AND (d.overdue = 0
       OR (d.prepayment_percent > 0 AND h.debt_at_placement > 0
           AND d.overdue <= h.debt_at_placement * (100 - d.prepayment_percent) / 100))
RETURNING h.id
"""


class HoldRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, hold: CreditHold) -> CreditHold:
        self.session.add(hold)
        await self.session.flush()
        return hold

    async def get(self, hold_id: uuid.UUID, *, for_update: bool = False) -> CreditHold | None:
        statement = select(CreditHold).where(CreditHold.id == hold_id)
        if for_update:
            statement = statement.with_for_update()
        return await self.session.scalar(statement.execution_options(populate_existing=True))

    async def of_customer(self, customer_id: uuid.UUID) -> list[CreditHold]:
        rows = await self.session.scalars(
            select(CreditHold)
            .where(CreditHold.customer_id == customer_id)
            .order_by(CreditHold.placed_on.desc(), CreditHold.id)
            .execution_options(populate_existing=True)
        )
        return list(rows.all())

    async def by_ids(self, ids: Sequence[uuid.UUID]) -> list[CreditHold]:
        if not ids:
            return []
        rows = await self.session.scalars(
            select(CreditHold)
            .where(CreditHold.id.in_(ids))
            .order_by(CreditHold.customer_id, CreditHold.id)
            .execution_options(populate_existing=True)
        )
        return list(rows.all())

    async def place_overdue(self, as_of: date) -> list[CreditHold]:
        ids = await self.session.scalars(PLACE_OVERDUE_HOLDS, {"as_of": as_of})
        return await self.by_ids(list(ids.all()))

    async def place_for_dunning(
        self, customer_id: uuid.UUID, as_of: date, note: str
    ) -> CreditHold | None:
        ids = await self.session.scalars(
            PLACE_DUNNING_HOLD, {"customer_id": customer_id, "as_of": as_of, "note": note}
        )
        placed = await self.by_ids(list(ids.all()))
        return placed[0] if placed else None

    async def release_settled(
        self, as_of: date, customer_id: uuid.UUID | None = None
    ) -> list[CreditHold]:
        parameters: dict[str, object] = {"as_of": as_of}
        customer_filter = ""
        if customer_id is not None:
            customer_filter = "AND h.customer_id = :customer_id"
            parameters["customer_id"] = customer_id
        statement = text(RELEASE_SETTLED_HOLDS.format(customer_filter=customer_filter))
        ids = await self.session.scalars(statement, parameters)
        return await self.by_ids(list(ids.all()))
