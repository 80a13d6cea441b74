"""outbound messages, and the platform tables

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
        "outbound_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("reference_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_messages")),
        sa.UniqueConstraint("kind", "reference_id", name=op.f("uq_outbound_messages_kind")),
    )
    op.create_index(
        op.f("ix_outbound_messages_customer_id"), "outbound_messages", ["customer_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_outbound_messages_customer_id"), table_name="outbound_messages")
    op.drop_table("outbound_messages")
    drop_platform_tables()
