"""risk classes, customer credit terms (class, limit, overrides, decision, contract), history

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The classes a new installation starts with (docs/credit-terms.md explains them); they are
#: data: change them with PUT /v1/risk-classes/{key}.
#: key, name, credit_allowed, default_credit_limit, payment_term_days, business_day_rule,
#: prepayment_percent, early discount percent, early discount days, late interest per month,
#: interest_grace_days, grace_days, dunning_policy
SEED_CLASSES = [
    ("A", "Low risk", True, "20000", 30, "next_business_day", "0", "2", 7, "1", 5, 10, "gentle"),
    (
        "B",
        "Moderate risk",
        True,
        "10000",
        30,
        "next_business_day",
        "0",
        "1",
        7,
        "1.5",
        3,
        7,
        "standard",
    ),
    (
        "C",
        "Elevated risk",
        True,
        "5000",
        14,
        "next_business_day",
        "30",
        "0",
        0,
        "2",
        0,
        3,
        "strict",
    ),
    ("D", "High risk", True, "1000", 7, "next_business_day", "50", "0", 0, "3", 0, 0, "strict"),
    ("PREPAY", "Prepayment only", False, None, 0, "none", "100", "0", 0, "0", 0, 0, "strict"),
]
SEED_COLUMNS = (
    "key",
    "name",
    "credit_allowed",
    "default_credit_limit",
    "payment_term_days",
    "business_day_rule",
    "prepayment_percent",
    "early_payment_discount_percent",
    "early_payment_discount_days",
    "late_interest_percent_per_month",
    "interest_grace_days",
    "grace_days",
    "dunning_policy",
)


def upgrade() -> None:
    risk_classes = op.create_table(
        "risk_classes",
        sa.Column("key", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("credit_allowed", sa.Boolean(), nullable=False),
        sa.Column("default_credit_limit", sa.Numeric(19, 3), nullable=True),
        sa.Column("payment_term_days", sa.Integer(), nullable=False),
        sa.Column("business_day_rule", sa.String(length=32), nullable=False),
        sa.Column("prepayment_percent", sa.Numeric(5, 2), nullable=False),
        sa.Column("early_payment_discount_percent", sa.Numeric(5, 2), nullable=False),
        sa.Column("early_payment_discount_days", sa.Integer(), nullable=False),
        sa.Column("late_interest_percent_per_month", sa.Numeric(5, 2), nullable=False),
        sa.Column("interest_grace_days", sa.Integer(), nullable=False),
        sa.Column("grace_days", sa.Integer(), nullable=False),
        sa.Column("dunning_policy", sa.String(length=64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "prepayment_percent BETWEEN 0 AND 100"
            " AND early_payment_discount_percent BETWEEN 0 AND 100"
            " AND late_interest_percent_per_month BETWEEN 0 AND 100",
            name=op.f("ck_risk_classes_percents_in_range"),
        ),
        sa.CheckConstraint(
            "payment_term_days BETWEEN 0 AND 365 AND early_payment_discount_days BETWEEN 0 AND 365"
            " AND interest_grace_days BETWEEN 0 AND 365 AND grace_days BETWEEN 0 AND 365",
            name=op.f("ck_risk_classes_days_in_range"),
        ),
        sa.CheckConstraint(
            "business_day_rule IN ('none', 'next_business_day')",
            name=op.f("ck_risk_classes_business_day_rule"),
        ),
        sa.CheckConstraint(
            "default_credit_limit IS NULL OR default_credit_limit > 0",
            name=op.f("ck_risk_classes_positive_limit"),
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_risk_classes")),
    )
    op.bulk_insert(
        risk_classes,
        [{**dict(zip(SEED_COLUMNS, row, strict=True)), "version": 1} for row in SEED_CLASSES],
    )

    op.create_table(
        "customer_credit",
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("risk_class_key", sa.String(length=16), nullable=True),
        sa.Column("credit_limit", sa.Numeric(19, 3), nullable=True),
        sa.Column("overrides", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("credit_allowed", sa.Boolean(), nullable=False),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_facts", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("special_control", sa.Boolean(), nullable=False),
        sa.Column("special_control_reason", sa.Text(), nullable=True),
        sa.Column("terms_version", sa.Integer(), nullable=False),
        sa.Column("contract_signed_on", sa.Date(), nullable=True),
        sa.Column("contract_terms_version", sa.Integer(), nullable=True),
        sa.Column("contract_clauses", postgresql.ARRAY(sa.String(length=64)), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_credit_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["risk_class_key"],
            ["risk_classes.key"],
            name=op.f("fk_customer_credit_risk_class_key_risk_classes"),
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_customer_credit")),
    )
    op.create_index(
        "ix_customer_credit_risk_class_key_customer_id",
        "customer_credit",
        ["risk_class_key", "customer_id"],
    )
    # Customers registered before this migration start like new ones: no class, no credit.
    op.execute(
        "INSERT INTO customer_credit (customer_id, overrides, credit_allowed, decision_facts,"
        " special_control, terms_version, contract_clauses)"
        " SELECT id, '{}'::jsonb, false, '{}'::jsonb, false, 0, '{}' FROM customers"
    )

    op.create_table(
        "credit_history",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("change", sa.String(length=32), nullable=False),
        sa.Column("term", sa.String(length=64), nullable=True),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_credit_history_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_history")),
    )
    op.create_index("ix_credit_history_customer_id_id", "credit_history", ["customer_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_credit_history_customer_id_id", table_name="credit_history")
    op.drop_table("credit_history")
    op.drop_index("ix_customer_credit_risk_class_key_customer_id", table_name="customer_credit")
    op.drop_table("customer_credit")
    op.drop_table("risk_classes")
