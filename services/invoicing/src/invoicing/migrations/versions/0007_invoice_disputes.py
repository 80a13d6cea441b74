"""invoice disputes: collections' open disputes keep an invoice disputed

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "invoice_disputes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("amount", sa.Numeric(19, 3), nullable=False),
        sa.Column("reason", sa.String(length=100), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("resolution", sa.String(length=20), nullable=True),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoice_disputes_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_disputes")),
    )
    op.create_index(
        op.f("ix_invoice_disputes_invoice_id"), "invoice_disputes", ["invoice_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_invoice_disputes_invoice_id"), table_name="invoice_disputes")
    op.drop_table("invoice_disputes")
