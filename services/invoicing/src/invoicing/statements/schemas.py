from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from invoicing.statements.view_models import StatementDocument


class StatementLineRead(BaseModel):
    business_date: date
    invoice_id: uuid.UUID | None = Field(
        description="The invoice moved, or the one credit paid; null for credit added or reversed."
    )
    invoice_number: str | None
    kind: str = Field(
        examples=["issue", "payment", "credit_note", "late_fee", "credit_added", "credit_applied"]
    )
    amount: Decimal = Field(description="Signed: + raises what the customer owes, - lowers it.")
    balance: Decimal = Field(description="The customer's balance in this currency after it.")


class CurrencyStatementRead(BaseModel):
    currency: str
    opening_balance: Decimal = Field(description="Sum of every movement before `from`.")
    movements: list[StatementLineRead]
    closing_balance: Decimal = Field(
        description="opening_balance + the movements' amounts: the open amounts less the credit."
    )


class StatementRead(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    customer_id: uuid.UUID
    customer_name: str
    period_from: date = Field(alias="from")
    period_to: date = Field(alias="to")
    currencies: list[CurrencyStatementRead]

    @classmethod
    def of(cls, statement: StatementDocument) -> StatementRead:
        return cls(
            customer_id=statement.customer_id,
            customer_name=statement.customer.name,
            period_from=statement.period_from,
            period_to=statement.period_to,
            currencies=[
                CurrencyStatementRead(
                    currency=section.currency,
                    opening_balance=section.opening_balance,
                    movements=[
                        StatementLineRead(
                            business_date=line.business_date,
                            invoice_id=line.invoice_id,
                            invoice_number=line.invoice_number,
                            kind=line.kind,
                            amount=line.amount,
                            balance=line.balance,
                        )
                        for line in section.lines
                    ],
                    closing_balance=section.closing_balance,
                )
                for section in statement.currencies
            ],
        )
