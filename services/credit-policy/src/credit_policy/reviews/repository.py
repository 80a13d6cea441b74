"""All SQL of the credit review: its signals, the queue, and the daily flagging statements."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.ranking.repository import BEYOND_GRACE, INVOICES
from credit_policy.reviews.models import CreditReview, CreditSignal, CustomerBehaviour
from receivables_shared.events import CustomerBehaviourUpdated
from receivables_shared.pagination import Keyset, PageRequest

REVIEW_ORDER = Keyset("reviews", CreditReview.created_at, CreditReview.id)

#: The newest evidence date each customer's resolved reviews of the reason covered: what a
#: person has decided on. An open review shows everything since.
COVERED = """
    SELECT customer_id, max(signal_on) AS signal_on
    FROM credit_reviews WHERE reason = :reason AND status = 'resolved' GROUP BY customer_id
"""

#: Per worsening reason: the customers with evidence newer than their last review of it,
#: as (customer_id, signal_on, evidence).
WORSENING_SIGNALS: dict[str, str] = {
    # From the exposure projection, with the grace the holds job uses (credit_check_terms).
    "overdue_beyond_grace": f"""
        SELECT e.customer_id,
               max(e.due_date + COALESCE(t.grace_days, 0) + 1) AS signal_on,
               jsonb_build_object(
                   'invoices', jsonb_agg(e.invoice_id ORDER BY e.due_date, e.invoice_id),
                   'open_amount', sum(e.open_amount)::text,
                   'oldest_due_date', min(e.due_date),
                   'grace_days', COALESCE(min(t.grace_days), 0)
               ) AS evidence
        FROM exposure_invoices e
        LEFT JOIN credit_check_terms t ON t.customer_id = e.customer_id
        LEFT JOIN ({COVERED}) covered ON covered.customer_id = e.customer_id
        WHERE e.open_amount > 0
          AND e.due_date + COALESCE(t.grace_days, 0) < CAST(:as_of AS date)
          AND e.due_date + COALESCE(t.grace_days, 0) + 1
              > COALESCE(covered.signal_on, '-infinity'::date)
        GROUP BY e.customer_id
    """,
    "promise_broken": f"""
        SELECT s.customer_id, max(s.occurred_on) AS signal_on,
               jsonb_build_object('promises', jsonb_agg(s.detail ORDER BY s.id)) AS evidence
        FROM credit_signals s
        LEFT JOIN ({COVERED}) covered ON covered.customer_id = s.customer_id
        WHERE s.kind = 'promise_broken' AND s.occurred_on <= :as_of
          AND s.occurred_on > COALESCE(covered.signal_on, '-infinity'::date)
        GROUP BY s.customer_id
    """,
    "dunning_escalation": f"""
        SELECT s.customer_id, max(s.occurred_on) AS signal_on,
               jsonb_build_object(
                   'escalations', jsonb_agg(
                       s.detail || jsonb_build_object('kind', s.kind) ORDER BY s.id
                   )
               ) AS evidence
        FROM credit_signals s
        LEFT JOIN ({COVERED}) covered ON covered.customer_id = s.customer_id
        WHERE s.kind IN ('case_escalated', 'dunning_hand_over') AND s.occurred_on <= :as_of
          AND s.occurred_on > COALESCE(covered.signal_on, '-infinity'::date)
        GROUP BY s.customer_id
    """,
    "worsening_trend": f"""
        SELECT b.customer_id, b.as_of AS signal_on,
               jsonb_build_object(
                   'average_days_late', b.average_days_late::text,
                   'on_time_share', b.on_time_share::text,
                   'broken_promises', b.broken_promises,
                   'as_of', b.as_of
               ) AS evidence
        FROM customer_behaviour b
        LEFT JOIN ({COVERED}) covered ON covered.customer_id = b.customer_id
        WHERE b.trend = 'worsening' AND b.as_of <= :as_of
          AND b.as_of > COALESCE(covered.signal_on, '-infinity'::date)
    """,
}

#: Customers with agreed credit terms and a limit, invoiced for at least the clean period,
#: none of whose invoices went beyond grace in it, with no open worsening review and no
#: proposal in the period: the limit + the increase, rounded down to whole units.
CLEAN_RECORD = f"""
    WITH invoices AS ({INVOICES})
    SELECT t.customer_id, CAST(:as_of AS date) AS signal_on,
           jsonb_build_object(
               'clean_days', CAST(:clean_days AS integer),
               'current_limit', t.credit_limit::text,
               'invoices', count(i.invoice_id)
           ) AS evidence,
           floor(t.credit_limit * (100 + CAST(:increase_percent AS integer)) / 100)
               AS proposed_limit
    FROM credit_check_terms t
    JOIN invoices i ON i.customer_id = t.customer_id AND i.issue_date <= CAST(:as_of AS date)
    LEFT JOIN ({COVERED}) covered ON covered.customer_id = t.customer_id
    WHERE t.credit_allowed AND t.credit_limit IS NOT NULL
      AND COALESCE(covered.signal_on, '-infinity'::date) <= CAST(:period_start AS date)
      AND NOT EXISTS (
          SELECT 1 FROM credit_reviews r
          WHERE r.customer_id = t.customer_id AND r.status = 'open' AND r.worsening
      )
    GROUP BY t.customer_id, t.credit_limit
    HAVING min(i.issue_date) <= CAST(:period_start AS date)
       AND NOT bool_or(
           {BEYOND_GRACE.replace("g.grace_days", "t.grace_days")}
           AND i.due_date + t.grace_days >= CAST(:period_start AS date)
       )
"""


def _insert_reviews(signals: str, *, worsening: bool, with_limit: bool) -> str:
    """A new review per customer; for a worsening, newer evidence refreshes the open one.

    RETURNING tells a new row (xmax = 0) from an updated one."""
    limit = "s.proposed_limit" if with_limit else "NULL"
    on_conflict = (
        """DO UPDATE SET signal_on = excluded.signal_on, evidence = excluded.evidence
           WHERE credit_reviews.signal_on < excluded.signal_on"""
        if worsening
        else "DO NOTHING"
    )
    return f"""
        INSERT INTO credit_reviews
            (id, customer_id, reason, worsening, status, flagged_on, signal_on, evidence,
             proposed_limit, created_at)
        SELECT gen_random_uuid(), s.customer_id, CAST(:reason AS varchar),
               {str(worsening).lower()}, 'open', CAST(:as_of AS date), s.signal_on, s.evidence,
               {limit}, CAST(:now AS timestamptz)
        FROM ({signals}) s
        JOIN customers c ON c.id = s.customer_id
        ON CONFLICT (customer_id, reason) WHERE status = 'open' {on_conflict}
        RETURNING (xmax = 0) AS opened
    """


class ReviewRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def store_behaviour(self, event: CustomerBehaviourUpdated) -> None:
        """The newest measurement wins; an older one arriving late changes nothing."""
        values = {
            "customer_id": event.customer_id,
            "average_days_late": event.average_days_late,
            "on_time_share": event.on_time_share,
            "trend": event.trend,
            "broken_promises": event.broken_promises,
            "as_of": event.as_of,
        }
        statement = insert(CustomerBehaviour).values(values)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[CustomerBehaviour.customer_id],
                set_={key: statement.excluded[key] for key in values if key != "customer_id"},
                where=CustomerBehaviour.as_of <= statement.excluded.as_of,
            )
        )

    async def add_signal(
        self,
        customer_id: uuid.UUID,
        kind: str,
        source_id: str,
        occurred_on: date,
        detail: dict[str, Any],
    ) -> None:
        await self.session.execute(
            insert(CreditSignal)
            .values(
                customer_id=customer_id,
                kind=kind,
                source_id=source_id,
                occurred_on=occurred_on,
                detail=detail,
            )
            .on_conflict_do_nothing(index_elements=[CreditSignal.kind, CreditSignal.source_id])
        )

    async def flag_worsening(self, reason: str, as_of: date, now: datetime) -> int:
        """Open one review per customer with new evidence of `reason` (or bring its open
        review up to date); the number opened."""
        statement = text(
            _insert_reviews(WORSENING_SIGNALS[reason], worsening=True, with_limit=False)
        )
        result = await self.session.execute(
            statement, {"reason": reason, "as_of": as_of, "now": now}
        )
        return sum(1 for (opened,) in result.all() if opened)

    async def flag_clean_records(
        self, as_of: date, now: datetime, *, clean_days: int, increase_percent: int
    ) -> int:
        statement = text(_insert_reviews(CLEAN_RECORD, worsening=False, with_limit=True))
        result = await self.session.execute(
            statement,
            {
                "reason": "clean_record",
                "as_of": as_of,
                "now": now,
                "clean_days": clean_days,
                "period_start": as_of - timedelta(days=clean_days),
                "increase_percent": increase_percent,
            },
        )
        return len(result.all())

    async def get(self, review_id: uuid.UUID, *, for_update: bool = False) -> CreditReview | None:
        statement = select(CreditReview).where(CreditReview.id == review_id)
        if for_update:
            statement = statement.with_for_update()
        return await self.session.scalar(statement)

    async def page(
        self,
        page: PageRequest,
        *,
        reason: str | None,
        status: str | None,
        customer_id: uuid.UUID | None,
    ) -> tuple[list[CreditReview], str | None]:
        statement = select(CreditReview)
        if reason is not None:
            statement = statement.where(CreditReview.reason == reason)
        if status is not None:
            statement = statement.where(CreditReview.status == status)
        if customer_id is not None:
            statement = statement.where(CreditReview.customer_id == customer_id)
        rows = await self.session.scalars(REVIEW_ORDER.page_query(statement, page))
        return REVIEW_ORDER.page_of(rows.all(), page)

    async def has_open_worsening(self, customer_id: uuid.UUID) -> bool:
        found = await self.session.scalar(
            select(CreditReview.id)
            .where(
                CreditReview.customer_id == customer_id,
                CreditReview.status == "open",
                CreditReview.worsening.is_(True),
            )
            .limit(1)
        )
        return found is not None
