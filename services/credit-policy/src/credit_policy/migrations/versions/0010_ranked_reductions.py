"""credit notes and cancellations per invoice: ranking revenue is net of them

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Empty at first: credit notes and cancellations consumed before were not kept, so revenue
    # of invoices reduced before this migration stays gross until invoicing's events are replayed.
    op.create_table(
        "ranked_reductions",
        sa.Column("source_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.Numeric(precision=19, scale=3), nullable=False),
        sa.Column("reduced_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("source_id", "kind", name=op.f("pk_ranked_reductions")),
    )
    op.create_index(
        op.f("ix_ranked_reductions_invoice_id"), "ranked_reductions", ["invoice_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_ranked_reductions_invoice_id"), table_name="ranked_reductions")
    op.drop_table("ranked_reductions")
