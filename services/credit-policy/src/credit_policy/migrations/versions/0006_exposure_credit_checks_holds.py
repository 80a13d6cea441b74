"""exposure projection, credit check terms, reservations, credit holds

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = sa.Numeric(19, 3)


def upgrade() -> None:
    op.create_table(
        "exposure_invoices",
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("open_amount", MONEY, nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("order_reference", sa.String(length=100), nullable=True),
        sa.Column("overdue_on", sa.Date(), nullable=True),
        sa.Column("amount_as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_date_as_of", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("invoice_id", name=op.f("pk_exposure_invoices")),
    )
    op.create_index(
        "ix_exposure_invoices_customer_id_currency",
        "exposure_invoices",
        ["customer_id", "currency"],
    )
    op.create_index(
        "ix_exposure_invoices_open_due_date",
        "exposure_invoices",
        ["due_date"],
        postgresql_where=sa.text("open_amount > 0"),
    )
    op.create_table(
        "customer_exposures",
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("open_amount", MONEY, nullable=False),
        sa.Column("oldest_open_due_date", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("customer_id", "currency", name=op.f("pk_customer_exposures")),
    )
    op.create_table(
        "credit_check_terms",
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("terms_version", sa.Integer(), nullable=False),
        sa.Column("credit_allowed", sa.Boolean(), nullable=False),
        sa.Column("risk_class", sa.String(length=64), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("credit_limit", MONEY, nullable=True),
        sa.Column("grace_days", sa.Integer(), nullable=False),
        sa.Column("prepayment_percent", sa.Numeric(5, 2), nullable=False),
        sa.Column("special_control", sa.Boolean(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_credit_check_terms")),
    )
    op.create_table(
        "credit_reservations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("order_reference", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_reservations")),
    )
    op.create_index(
        "ix_credit_reservations_active_customer",
        "credit_reservations",
        ["customer_id", "currency"],
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_index(
        "ix_credit_reservations_active_order_reference",
        "credit_reservations",
        ["customer_id", "order_reference"],
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_table(
        "credit_holds",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("stops", postgresql.ARRAY(sa.String(length=16)), nullable=False),
        sa.Column("placed_on", sa.Date(), nullable=False),
        sa.Column("placed_by", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("debt_at_placement", MONEY, nullable=True),
        sa.Column("released_on", sa.Date(), nullable=True),
        sa.Column("release_reason", sa.String(length=300), nullable=True),
        sa.Column("released_by", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_holds")),
    )
    op.create_index(
        "ix_credit_holds_active_customer",
        "credit_holds",
        ["customer_id"],
        postgresql_where=sa.text("released_on IS NULL"),
    )
    op.create_index(
        "uq_credit_holds_active_automatic",
        "credit_holds",
        ["customer_id", "reason"],
        unique=True,
        postgresql_where=sa.text(
            "released_on IS NULL AND reason IN ('overdue_beyond_grace', 'dunning_step')"
        ),
    )
    op.create_index(
        "ix_credit_holds_customer_placed_on", "credit_holds", ["customer_id", "placed_on"]
    )


def downgrade() -> None:
    op.drop_table("credit_holds")
    op.drop_table("credit_reservations")
    op.drop_table("credit_check_terms")
    op.drop_table("customer_exposures")
    op.drop_table("exposure_invoices")
