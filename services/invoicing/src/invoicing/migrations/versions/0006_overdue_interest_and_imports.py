"""overdue-and-interest job: unrounded interest per invoice, late fees found by invoice

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "invoices",
        sa.Column(
            "interest_unrounded",
            sa.Numeric(precision=28, scale=12),
            server_default=sa.text("0"),
            nullable=False,
        ),
    )
    # Interest accrues on the principal: the job subtracts the late fees of each invoice.
    op.create_index(
        "ix_invoice_movements_late_fees",
        "invoice_movements",
        ["invoice_id"],
        postgresql_where=sa.text("kind = 'late_fee'"),
    )


def downgrade() -> None:
    op.drop_index("ix_invoice_movements_late_fees", table_name="invoice_movements")
    op.drop_column("invoices", "interest_unrounded")
