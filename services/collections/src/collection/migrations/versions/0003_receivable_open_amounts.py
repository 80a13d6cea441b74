"""open amounts, state, overdue mark and movements of receivables; money in Numeric(19, 3)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = sa.Numeric(precision=19, scale=3)


def upgrade() -> None:
    op.alter_column(
        "receivables", "amount_due", type_=MONEY, existing_type=sa.Numeric(18, 2),
        existing_nullable=False,
    )  # fmt: skip
    op.add_column("receivables", sa.Column("open_amount", MONEY, nullable=True))
    op.add_column("receivables", sa.Column("state", sa.String(length=16), nullable=True))
    op.add_column("receivables", sa.Column("overdue_on", sa.Date(), nullable=True))
    # Rows from before: nothing but InvoiceIssued was consumed, so all of the total is open.
    op.execute("UPDATE receivables SET open_amount = amount_due, state = 'open'")
    op.alter_column("receivables", "open_amount", nullable=False)
    op.alter_column("receivables", "state", nullable=False)
    op.create_table(
        "receivable_movements",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("event_source", sa.String(length=200), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("open_after", MONEY, nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receivable_movements")),
        sa.UniqueConstraint(
            "event_source", "event_id", "kind", name=op.f("uq_receivable_movements_event_source")
        ),
    )
    op.create_index(
        op.f("ix_receivable_movements_invoice_id"), "receivable_movements", ["invoice_id"]
    )
    op.create_index(
        "ix_receivable_movements_customer_id_currency",
        "receivable_movements",
        ["customer_id", "currency"],
    )
    # Each existing receivable's InvoiceIssued, as a movement, so its books balance. Keyed by
    # this migration and the invoice id: no event id is known for them.
    op.execute(
        "INSERT INTO receivable_movements (event_source, event_id, invoice_id, customer_id,"
        " currency, kind, amount, occurred_on, open_after)"
        " SELECT '/collections/migrations/0003', invoice_id, invoice_id, customer_id, currency,"
        " 'invoiced', amount_due, recorded_at::date, amount_due FROM receivables"
    )


def downgrade() -> None:
    op.drop_index("ix_receivable_movements_customer_id_currency", table_name="receivable_movements")
    op.drop_index(op.f("ix_receivable_movements_invoice_id"), table_name="receivable_movements")
    op.drop_table("receivable_movements")
    op.drop_column("receivables", "overdue_on")
    op.drop_column("receivables", "state")
    op.drop_column("receivables", "open_amount")
    op.alter_column(
        "receivables", "amount_due", type_=sa.Numeric(18, 2), existing_type=MONEY,
        existing_nullable=False,
    )  # fmt: skip
