"""payments, their allocations to invoices, credit balances and their movements, payer
accounts, payment advices

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

MONEY = sa.Numeric(precision=19, scale=3)


def _created_at() -> sa.Column[object]:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "payments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("source_key", sa.String(length=300), nullable=False),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(length=140), nullable=True),
        sa.Column("remittance_text", sa.String(length=1000), nullable=True),
        sa.Column("payer_name", sa.String(length=200), nullable=True),
        sa.Column("payer_iban", sa.String(length=34), nullable=True),
        sa.Column("end_to_end_id", sa.String(length=140), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("unapplied_amount", MONEY, nullable=False),
        sa.Column("reversed_on", sa.Date(), nullable=True),
        sa.Column("reversal_reason", sa.String(length=500), nullable=True),
        sa.Column("reversal_key", sa.String(length=300), nullable=True),
        _created_at(),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payments_amount_positive")),
        sa.CheckConstraint(
            "unapplied_amount >= 0 AND unapplied_amount <= amount",
            name=op.f("ck_payments_unapplied_within_amount"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint("source_key", name=op.f("uq_payments_source_key")),
        sa.UniqueConstraint("reversal_key", name=op.f("uq_payments_reversal_key")),
    )
    op.create_index("ix_payments_customer_id_created_at", "payments", ["customer_id", "created_at"])
    op.create_index("ix_payments_state_created_at", "payments", ["state", "created_at"])

    op.create_table(
        "payment_allocations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("sequence", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("payment_id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("discount_amount", MONEY, server_default=sa.text("0"), nullable=False),
        sa.Column("applied_on", sa.Date(), nullable=False),
        sa.Column("funded_by", sa.String(length=20), nullable=False),
        sa.Column("reversed", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        _created_at(),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payment_allocations_amount_positive")),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_payment_allocations_invoice_id_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payments.id"],
            name=op.f("fk_payment_allocations_payment_id_payments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_allocations")),
        sa.UniqueConstraint(
            "payment_id", "invoice_id", name=op.f("uq_payment_allocations_payment_id")
        ),
        sa.UniqueConstraint("sequence", name=op.f("uq_payment_allocations_sequence")),
    )
    op.create_index("ix_payment_allocations_invoice_id", "payment_allocations", ["invoice_id"])

    op.create_table(
        "credit_balances",
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("balance", MONEY, nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("balance >= 0", name=op.f("ck_credit_balances_balance_not_negative")),
        sa.PrimaryKeyConstraint("customer_id", "currency", name=op.f("pk_credit_balances")),
    )

    op.create_table(
        "credit_balance_movements",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("sequence", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("change", MONEY, nullable=False),
        sa.Column("balance_after", MONEY, nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("payment_id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=True),
        _created_at(),
        sa.CheckConstraint("change <> 0", name=op.f("ck_credit_balance_movements_change_not_zero")),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_credit_balance_movements_invoice_id_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payments.id"],
            name=op.f("fk_credit_balance_movements_payment_id_payments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_balance_movements")),
        sa.UniqueConstraint("sequence", name=op.f("uq_credit_balance_movements_sequence")),
    )
    op.create_index(
        "ix_credit_balance_movements_customer_id_currency",
        "credit_balance_movements",
        ["customer_id", "currency"],
    )

    op.create_table(
        "payer_accounts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("ambiguous", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("learned_from", sa.String(length=20), nullable=False),
        _created_at(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payer_accounts")),
        sa.UniqueConstraint("kind", "value", name=op.f("uq_payer_accounts_kind")),
    )

    op.create_table(
        "payment_advices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(length=140), nullable=True),
        sa.Column(
            "invoice_numbers",
            postgresql.ARRAY(sa.String(length=40)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("content_type", sa.String(length=100), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("file_size", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("payment_id", sa.Uuid(), nullable=True),
        sa.Column("matched_on", sa.Date(), nullable=True),
        sa.Column("created_on", sa.Date(), nullable=False),
        _created_at(),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payment_advices_amount_positive")),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payments.id"],
            name=op.f("fk_payment_advices_payment_id_payments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_advices")),
        sa.UniqueConstraint("payment_id", name=op.f("uq_payment_advices_payment_id")),
    )
    op.create_index(
        "ix_payment_advices_customer_id_unmatched",
        "payment_advices",
        ["customer_id", "paid_on"],
    )


def downgrade() -> None:
    op.drop_table("payment_advices")
    op.drop_table("payer_accounts")
    op.drop_index(
        "ix_credit_balance_movements_customer_id_currency", table_name="credit_balance_movements"
    )
    op.drop_table("credit_balance_movements")
    op.drop_table("credit_balances")
    op.drop_index("ix_payment_allocations_invoice_id", table_name="payment_allocations")
    op.drop_table("payment_allocations")
    op.drop_index("ix_payments_state_created_at", table_name="payments")
    op.drop_index("ix_payments_customer_id_created_at", table_name="payments")
    op.drop_table("payments")
