"""invoice facts, and the platform tables

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from receivables_shared.db.platform_migration import create_platform_tables, drop_platform_tables

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_platform_tables()
    op.create_table(
        "invoice_facts",
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("invoice_id", name=op.f("pk_invoice_facts")),
    )
    op.create_index(
        op.f("ix_invoice_facts_customer_id"), "invoice_facts", ["customer_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_invoice_facts_customer_id"), table_name="invoice_facts")
    op.drop_table("invoice_facts")
    drop_platform_tables()
