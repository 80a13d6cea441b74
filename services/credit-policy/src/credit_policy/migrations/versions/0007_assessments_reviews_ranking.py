"""assessments with a versioned scorecard, credit reviews and their signals, ranking and
special control

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _bands(*pairs: tuple[str | None, int]) -> list[dict[str, object]]:
    return [{"up_to": up_to, "points": points} for up_to, points in pairs]


#: Scorecard version 1, documented in docs/assessments.md. Points 0-10 per factor; the
#: weights make 100 the best score. Change it with PUT /v1/scorecards/{version}.
DEFAULT_SCORECARD = {
    "factors": [
        # Payment history with us (CustomerBehaviourUpdated): 45 of 100.
        {
            "key": "average_days_late",
            "weight": "2",
            "bands": _bands(("0", 10), ("7", 8), ("15", 5), ("30", 2), (None, 0)),
            "missing_points": 5,
        },
        {
            "key": "on_time_share",
            "weight": "1.5",
            "bands": _bands(("0.5", 0), ("0.7", 3), ("0.85", 6), ("0.95", 8), (None, 10)),
            "missing_points": 5,
        },
        {
            "key": "broken_promises",
            "weight": "1",
            "bands": _bands(("0", 10), ("1", 5), ("3", 2), (None, 0)),
            "missing_points": 5,
        },
        # Trade references: 20 of 100.
        {
            "key": "years_together",
            "weight": "1",
            "bands": _bands(("1", 2), ("3", 5), ("5", 8), (None, 10)),
            "missing_points": 0,
        },
        {
            "key": "overdue_reported",
            "weight": "1",
            "bands": _bands(("0", 10), ("1000", 5), ("10000", 2), (None, 0)),
            "missing_points": 3,
        },
        # Financial figures: 35 of 100.
        {
            "key": "revenue",
            "weight": "1",
            "bands": _bands(("100000", 2), ("1000000", 5), ("10000000", 8), (None, 10)),
            "missing_points": 0,
        },
        {
            "key": "equity",
            "weight": "1",
            "bands": _bands(("0", 0), ("50000", 3), ("500000", 6), ("5000000", 8), (None, 10)),
            "missing_points": 0,
        },
        {
            "key": "business_age_years",
            "weight": "1.5",
            "bands": _bands(("1", 0), ("3", 4), ("10", 7), (None, 10)),
            "missing_points": 0,
        },
    ],
    "warning_flags": {
        "insolvency_proceedings": -100,
        "tax_debt": -25,
        "court_claims": -20,
        "negative_press": -10,
        "management_change": -5,
    },
    "classes": [
        {"min_score": "75", "risk_class": "A"},
        {"min_score": "60", "risk_class": "B"},
        {"min_score": "45", "risk_class": "C"},
        {"min_score": "30", "risk_class": "D"},
    ],
    "fallback_class": "PREPAY",
    "limits": {
        "A": {"revenue_percent": "10", "equity_percent": "30", "caps": {"EUR": "50000"}},
        "B": {"revenue_percent": "5", "equity_percent": "20", "caps": {"EUR": "20000"}},
        "C": {"revenue_percent": "2.5", "equity_percent": "10", "caps": {"EUR": "10000"}},
        "D": {"revenue_percent": "1", "equity_percent": "5", "caps": {"EUR": "2000"}},
    },
    "start_up": {"max_age_years": "1", "risk_class": "PREPAY"},
}


def upgrade() -> None:
    scorecards = op.create_table(
        "scorecards",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("definition", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_scorecards")),
    )
    op.bulk_insert(
        scorecards,
        [
            {
                "version": 1,
                "definition": DEFAULT_SCORECARD,
                "active": True,
                "description": "The default scorecard (docs/assessments.md)",
                "created_by": "migration 0007",
            }
        ],
    )
    op.create_table(
        "assessments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("scorecard_version", sa.Integer(), nullable=False),
        sa.Column("facts", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("score", sa.Numeric(7, 2), nullable=False),
        sa.Column("proposed_class", sa.String(length=16), nullable=False),
        sa.Column("proposed_limit", sa.Numeric(19, 3), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reasons", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_class", sa.String(length=16), nullable=True),
        sa.Column("decided_limit", sa.Numeric(19, 3), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_assessments_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["scorecard_version"],
            ["scorecards.version"],
            name=op.f("fk_assessments_scorecard_version_scorecards"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
    )
    op.create_index(
        "ix_assessments_customer_id_created_at_id",
        "assessments",
        ["customer_id", "created_at", "id"],
    )

    op.create_table(
        "customer_behaviour",
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("average_days_late", sa.Numeric(9, 2), nullable=False),
        sa.Column("on_time_share", sa.Numeric(5, 4), nullable=False),
        sa.Column("trend", sa.String(length=16), nullable=False),
        sa.Column("broken_promises", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_customer_behaviour")),
    )
    op.create_table(
        "credit_signals",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("source_id", sa.String(length=100), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("detail", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_signals")),
        sa.UniqueConstraint("kind", "source_id", name=op.f("uq_credit_signals_kind")),
    )
    op.create_index(
        "ix_credit_signals_kind_customer_id_occurred_on",
        "credit_signals",
        ["kind", "customer_id", "occurred_on"],
    )
    op.create_table(
        "credit_reviews",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("worsening", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("flagged_on", sa.Date(), nullable=False),
        sa.Column("signal_on", sa.Date(), nullable=False),
        sa.Column("evidence", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("proposed_limit", sa.Numeric(19, 3), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_reviews")),
    )
    op.create_index(
        "uq_credit_reviews_open_customer_reason",
        "credit_reviews",
        ["customer_id", "reason"],
        unique=True,
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_index("ix_credit_reviews_created_at_id", "credit_reviews", ["created_at", "id"])

    op.create_table(
        "ranked_invoices",
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("total", sa.Numeric(19, 3), nullable=False),
        sa.PrimaryKeyConstraint("invoice_id", name=op.f("pk_ranked_invoices")),
    )
    op.create_index(
        "ix_ranked_invoices_currency_issue_date", "ranked_invoices", ["currency", "issue_date"]
    )
    op.create_index("ix_ranked_invoices_customer_id", "ranked_invoices", ["customer_id"])
    op.create_table(
        "ranked_payments",
        sa.Column("payment_id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("amount", sa.Numeric(19, 3), nullable=False),
        sa.Column("applied_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("payment_id", "invoice_id", name=op.f("pk_ranked_payments")),
    )
    op.create_index("ix_ranked_payments_invoice_id", "ranked_payments", ["invoice_id"])
    thresholds = op.create_table(
        "abc_thresholds",
        sa.Column("segment", sa.String(length=1), nullable=False),
        sa.Column("cumulative_percent", sa.Numeric(5, 2), nullable=False),
        sa.CheckConstraint(
            "cumulative_percent > 0 AND cumulative_percent <= 100",
            name=op.f("ck_abc_thresholds_share"),
        ),
        sa.PrimaryKeyConstraint("segment", name=op.f("pk_abc_thresholds")),
    )
    op.bulk_insert(
        thresholds,
        [{"segment": "A", "cumulative_percent": 80}, {"segment": "B", "cumulative_percent": 95}],
    )
    rules = op.create_table(
        "special_control_rules",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("min_invoices", sa.Integer(), nullable=True),
        sa.Column("months", sa.Integer(), nullable=True),
        sa.Column("top_n", sa.Integer(), nullable=True),
        sa.Column("top_percent", sa.Numeric(5, 2), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('regular_non_payer', 'top_potential_debt')",
            name=op.f("ck_special_control_rules_kind"),
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_special_control_rules")),
    )
    op.bulk_insert(
        rules,
        [
            {
                "key": "regular-non-payer",
                "kind": "regular_non_payer",
                "active": True,
                "min_invoices": 2,
                "months": 6,
                "top_n": None,
                "top_percent": None,
                "description": "2 or more invoices overdue beyond grace within 6 months",
            },
            {
                "key": "top-potential-debt",
                "kind": "top_potential_debt",
                "active": True,
                "min_invoices": None,
                "months": None,
                "top_n": 10,
                "top_percent": 5,
                "description": "the top 10, or the top 5%, of potential yearly debt",
            },
        ],
    )
    op.create_table(
        "special_control_marks",
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("rules", sa.Text(), nullable=False),
        sa.Column("marked_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_special_control_marks")),
    )


def downgrade() -> None:
    op.drop_table("special_control_marks")
    op.drop_table("special_control_rules")
    op.drop_table("abc_thresholds")
    op.drop_index("ix_ranked_payments_invoice_id", table_name="ranked_payments")
    op.drop_table("ranked_payments")
    op.drop_index("ix_ranked_invoices_customer_id", table_name="ranked_invoices")
    op.drop_index("ix_ranked_invoices_currency_issue_date", table_name="ranked_invoices")
    op.drop_table("ranked_invoices")
    op.drop_index("ix_credit_reviews_created_at_id", table_name="credit_reviews")
    op.drop_index("uq_credit_reviews_open_customer_reason", table_name="credit_reviews")
    op.drop_table("credit_reviews")
    op.drop_index("ix_credit_signals_kind_customer_id_occurred_on", table_name="credit_signals")
    op.drop_table("credit_signals")
    op.drop_table("customer_behaviour")
    op.drop_index("ix_assessments_customer_id_created_at_id", table_name="assessments")
    op.drop_table("assessments")
    op.drop_table("scorecards")
