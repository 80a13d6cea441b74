"""a hold's debt at placement is in one currency: the customer's

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("credit_holds", sa.Column("debt_currency", sa.String(length=3), nullable=True))
    # Holds placed before summed every currency: the customer's is the best reading of that sum
    # (nearly every customer trades in one); a hold with foreign debt overdue still needs that
    # paid in full before the share rule can release it.
    op.execute(
        "UPDATE credit_holds h SET debt_currency = c.currency FROM customers c"
        " WHERE c.id = h.customer_id AND h.debt_at_placement IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_column("credit_holds", "debt_currency")
