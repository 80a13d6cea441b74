from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, literal, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.history.models import CreditHistoryEntry
from credit_policy.risk_classes.models import RiskClass
from credit_policy.terms.models import CustomerCredit


class RiskClassRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def all(self) -> list[RiskClass]:
        return list(await self.session.scalars(select(RiskClass).order_by(RiskClass.key)))

    async def get(self, key: str, *, for_update: bool = False) -> RiskClass | None:
        statement = select(RiskClass).where(RiskClass.key == key)
        if for_update:
            statement = statement.with_for_update()
        return await self.session.scalar(statement)

    async def add_if_absent(self, key: str, values: dict[str, Any]) -> RiskClass | None:
        """Insert the class unless it exists (None then): two concurrent first PUTs make one."""
        inserted = await self.session.scalar(
            pg_insert(RiskClass)
            .values(key=key, version=1, **values)
            .on_conflict_do_nothing(index_elements=[RiskClass.key])
            .returning(RiskClass.key)
        )
        return None if inserted is None else await self.get(key)

    async def record_class_change_for_customers(
        self,
        key: str,
        *,
        recorded_at: datetime,
        actor: str,
        before: dict[str, Any],
        after: dict[str, Any],
        reason: str,
    ) -> None:
        """One history entry per customer of the class, in one INSERT ... SELECT."""
        members = select(
            CustomerCredit.customer_id,
            literal(recorded_at),
            literal(actor),
            literal("risk_class"),
            literal("risk_class_terms"),
            literal(key),
            literal(before, JSONB),
            literal(after, JSONB),
            literal(reason),
        ).where(CustomerCredit.risk_class_key == key)
        await self.session.execute(
            insert(CreditHistoryEntry).from_select(
                [
                    "customer_id",
                    "recorded_at",
                    "actor",
                    "source",
                    "change",
                    "term",
                    "before",
                    "after",
                    "reason",
                ],
                members,
            )
        )
