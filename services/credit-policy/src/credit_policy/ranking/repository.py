"""All SQL of the ranking: the invoice facts it keeps, the metrics with window functions,
and the special-control rules."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.ranking.models import (
    AbcThreshold,
    RankedInvoice,
    RankedPayment,
    RankedReduction,
    SpecialControlMark,
    SpecialControlRule,
)
from credit_policy.terms.models import CustomerCredit
from receivables_shared.events import (
    CreditNoteIssued,
    InvoiceCancelled,
    InvoiceIssued,
    PaymentApplied,
)

#: Every invoice: issue date and total (ranked_invoices), open amount and due date now (the
#: exposure projection, which follows every movement), and the day it was last paid.
INVOICES = """
    SELECT r.invoice_id, r.customer_id, r.currency, r.issue_date, r.total,
           COALESCE(e.due_date, r.due_date) AS due_date,
           COALESCE(e.open_amount, r.total) AS open_amount,
           paid.last_paid_on
    FROM ranked_invoices r
    LEFT JOIN exposure_invoices e ON e.invoice_id = r.invoice_id
    LEFT JOIN (
        SELECT invoice_id, max(applied_on) AS last_paid_on FROM ranked_payments GROUP BY invoice_id
    ) paid ON paid.invoice_id = r.invoice_id
"""

#: Whether invoice `i` (of INVOICES) went beyond the grace days `g.grace_days` before :as_of:
#: still open, or paid only after.
BEYOND_GRACE = """
    i.due_date + COALESCE(g.grace_days, 0) < CAST(:as_of AS date)
    AND (i.open_amount > 0 OR i.last_paid_on > i.due_date + COALESCE(g.grace_days, 0))
"""

#: Per customer and currency, as of the business date, over the 12 months before it:
#: revenue (the invoices issued in those months, net of their credit notes and cancellations,
#: whenever those came: an invoice issued in error and cancelled is no revenue), exposure (open
#: receivables now, as the credit check sees them), days to pay (amount-weighted: applied
#: payments count applied_on - issue_date, amounts still open count their age so far, so a
#: customer who pays nothing does not look like one who pays at once), and potential yearly
#: debt = revenue / 12 x days to pay / 30.
METRICS = f"""
    WITH invoices AS ({INVOICES}),
    reduced AS (
        SELECT invoice_id, sum(amount) AS amount FROM ranked_reductions GROUP BY invoice_id
    ),
    revenue AS (
        SELECT r.customer_id, r.currency, sum(r.total - COALESCE(x.amount, 0)) AS revenue
        FROM ranked_invoices r
        LEFT JOIN reduced x ON x.invoice_id = r.invoice_id
        WHERE r.issue_date > CAST(:since AS date) AND r.issue_date <= CAST(:as_of AS date)
        GROUP BY r.customer_id, r.currency
    ),
    exposure AS (
        SELECT customer_id, currency, open_amount AS exposure
        FROM customer_exposures WHERE open_amount > 0
    ),
    waits AS (
        SELECT i.customer_id, i.currency, p.amount AS weight,
               (p.applied_on - i.issue_date) AS days
        FROM ranked_payments p JOIN ranked_invoices i ON i.invoice_id = p.invoice_id
        WHERE p.applied_on > CAST(:since AS date) AND p.applied_on <= CAST(:as_of AS date)
        UNION ALL
        SELECT customer_id, currency, open_amount, (CAST(:as_of AS date) - issue_date)
        FROM invoices
        WHERE open_amount > 0 AND issue_date <= CAST(:as_of AS date)
    ),
    days_to_pay AS (
        SELECT customer_id, currency,
               sum(weight * days) / NULLIF(sum(weight), 0) AS days
        FROM waits GROUP BY customer_id, currency
    ),
    customers_ AS (
        SELECT customer_id, currency FROM revenue
        UNION SELECT customer_id, currency FROM exposure
    )
    SELECT k.customer_id, k.currency,
           COALESCE(v.revenue, 0) AS revenue,
           COALESCE(x.exposure, 0) AS exposure,
           round(d.days, 1) AS days_to_pay,
           round(COALESCE(v.revenue, 0) / 12 * COALESCE(d.days, 0) / 30, 3) AS potential_debt
    FROM customers_ k
    LEFT JOIN revenue v USING (customer_id, currency)
    LEFT JOIN exposure x USING (customer_id, currency)
    LEFT JOIN days_to_pay d USING (customer_id, currency)
"""

#: The metric a ranking orders by: a whitelist, never the caller's text.
RANK_BY = {"revenue": "revenue", "exposure": "exposure", "potential-debt": "potential_debt"}

RANKING = f"""
    WITH metrics AS (SELECT * FROM ({METRICS}) m),
    ranked AS (
        SELECT m.*, m.{{column}} AS value,
               row_number() OVER (ORDER BY m.{{column}} DESC, m.customer_id) AS rank,
               sum(m.{{column}}) OVER (
                   ORDER BY m.{{column}} DESC, m.customer_id ROWS UNBOUNDED PRECEDING
               ) AS cumulative,
               sum(m.{{column}}) OVER () AS total
        FROM metrics m
        WHERE m.currency = :currency AND m.{{column}} > 0
    )
    SELECT r.rank, r.customer_id, c.name, r.value, r.revenue, r.exposure, r.days_to_pay,
           r.potential_debt, r.total,
           round(r.value * 100 / r.total, 2) AS share_percent,
           round(r.cumulative * 100 / r.total, 2) AS cumulative_percent,
           COALESCE((
               SELECT t.segment FROM abc_thresholds t
               WHERE (r.cumulative - r.value) * 100 / r.total < t.cumulative_percent
               ORDER BY t.cumulative_percent LIMIT 1
           ), 'C') AS segment
    FROM ranked r JOIN customers c ON c.id = r.customer_id
    ORDER BY r.rank
    LIMIT :limit
"""

#: Customers each active rule matches, as (customer_id, rule key).
SPECIAL_CONTROL_MATCHES = f"""
    WITH invoices AS ({INVOICES}),
    metrics AS (SELECT * FROM ({METRICS}) m),
    potential AS (
        SELECT customer_id, currency,
               row_number() OVER w AS rank, count(*) OVER (PARTITION BY currency) AS customers
        FROM metrics WHERE potential_debt > 0
        WINDOW w AS (PARTITION BY currency ORDER BY potential_debt DESC, customer_id)
    )
    SELECT i.customer_id, r.key
    FROM special_control_rules r
    JOIN invoices i ON true
    LEFT JOIN credit_check_terms g ON g.customer_id = i.customer_id
    WHERE r.active AND r.kind = 'regular_non_payer'
      AND {BEYOND_GRACE}
      AND i.due_date + COALESCE(g.grace_days, 0)
          >= (CAST(:as_of AS date) - make_interval(months => r.months))::date
    GROUP BY i.customer_id, r.key, r.min_invoices
    HAVING count(*) >= r.min_invoices
    UNION
    SELECT p.customer_id, r.key
    FROM special_control_rules r
    JOIN potential p ON true
    WHERE r.active AND r.kind = 'top_potential_debt'
      AND (r.top_n IS NULL OR p.rank <= r.top_n)
      AND (r.top_percent IS NULL OR p.rank <= ceil(p.customers * r.top_percent / 100))
"""


class RankingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def store_invoice(self, event: InvoiceIssued) -> None:
        # A replay of the same invoice changes nothing.
        await self.session.execute(
            insert(RankedInvoice)
            .values(
                invoice_id=event.invoice_id,
                customer_id=event.customer_id,
                currency=event.currency,
                issue_date=event.issue_date,
                due_date=event.due_date,
                total=event.total,
            )
            .on_conflict_do_nothing(index_elements=[RankedInvoice.invoice_id])
        )

    async def store_payment(self, event: PaymentApplied) -> None:
        await self.session.execute(
            insert(RankedPayment)
            .values(
                payment_id=event.payment_id,
                invoice_id=event.invoice_id,
                customer_id=event.customer_id,
                amount=event.amount,
                applied_on=event.applied_on,
            )
            .on_conflict_do_nothing(
                index_elements=[RankedPayment.payment_id, RankedPayment.invoice_id]
            )
        )

    async def store_reduction(self, event: CreditNoteIssued | InvoiceCancelled) -> None:
        if isinstance(event, CreditNoteIssued):
            source_id, kind, on = event.credit_note_id, "credit_note", event.issued_on
        else:
            source_id, kind, on = event.invoice_id, "cancellation", event.cancelled_on
        await self.session.execute(
            insert(RankedReduction)
            .values(
                source_id=source_id,
                kind=kind,
                invoice_id=event.invoice_id,
                customer_id=event.customer_id,
                currency=event.currency,
                amount=event.amount,
                reduced_on=on,
            )
            .on_conflict_do_nothing(
                index_elements=[RankedReduction.source_id, RankedReduction.kind]
            )
        )

    async def ranking(
        self, by: str, currency: str, as_of: date, since: date, limit: int
    ) -> list[dict[str, Any]]:
        statement = text(RANKING.format(column=RANK_BY[by]))
        result = await self.session.execute(
            statement, {"currency": currency, "as_of": as_of, "since": since, "limit": limit}
        )
        return [dict(row) for row in result.mappings().all()]

    async def thresholds(self) -> list[AbcThreshold]:
        rows = await self.session.scalars(
            select(AbcThreshold).order_by(AbcThreshold.cumulative_percent)
        )
        return list(rows.all())

    async def replace_thresholds(self, thresholds: dict[str, Decimal]) -> None:
        await self.session.execute(delete(AbcThreshold))
        self.session.add_all(
            AbcThreshold(segment=segment, cumulative_percent=percent)
            for segment, percent in thresholds.items()
        )
        await self.session.flush()

    async def rules(self) -> list[SpecialControlRule]:
        rows = await self.session.scalars(
            select(SpecialControlRule).order_by(SpecialControlRule.key)
        )
        return list(rows.all())

    async def rule(self, key: str) -> SpecialControlRule | None:
        return await self.session.get(SpecialControlRule, key)

    async def add_rule(self, rule: SpecialControlRule) -> None:
        self.session.add(rule)
        await self.session.flush()

    async def special_control_matches(self, as_of: date, since: date) -> dict[uuid.UUID, list[str]]:
        result = await self.session.execute(
            text(SPECIAL_CONTROL_MATCHES), {"as_of": as_of, "since": since}
        )
        matches: dict[uuid.UUID, list[str]] = {}
        for customer_id, key in result.all():
            matches.setdefault(customer_id, []).append(key)
        return {customer: sorted(keys) for customer, keys in matches.items()}

    async def flagged(self) -> dict[uuid.UUID, bool]:
        """Every customer under special control: True when the rules put it there."""
        rows = await self.session.execute(
            select(CustomerCredit.customer_id, SpecialControlMark.customer_id.is_not(None))
            .outerjoin(
                SpecialControlMark, SpecialControlMark.customer_id == CustomerCredit.customer_id
            )
            .where(CustomerCredit.special_control.is_(True))
        )
        return {customer_id: bool(by_rules) for customer_id, by_rules in rows.all()}

    async def marks(self) -> dict[uuid.UUID, str]:
        rows = await self.session.execute(
            select(SpecialControlMark.customer_id, SpecialControlMark.rules)
        )
        return {customer_id: rules for customer_id, rules in rows.all()}

    async def mark(self, customer_id: uuid.UUID, rules: list[str], as_of: date) -> None:
        statement = insert(SpecialControlMark).values(
            customer_id=customer_id, rules=",".join(rules), marked_on=as_of
        )
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[SpecialControlMark.customer_id],
                set_={"rules": statement.excluded.rules},
            )
        )

    async def unmark(self, customer_ids: list[uuid.UUID]) -> None:
        await self.session.execute(
            delete(SpecialControlMark).where(SpecialControlMark.customer_id.in_(customer_ids))
        )
