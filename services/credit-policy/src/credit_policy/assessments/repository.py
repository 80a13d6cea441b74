from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.assessments.models import Assessment, Scorecard
from credit_policy.reviews.models import CustomerBehaviour
from receivables_shared.pagination import Keyset, PageRequest

ASSESSMENT_ORDER = Keyset("assessments", Assessment.created_at, Assessment.id, descending=True)


class AssessmentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def current_scorecard(self) -> Scorecard | None:
        """The newest active version."""
        return await self.session.scalar(
            select(Scorecard)
            .where(Scorecard.active.is_(True))
            .order_by(Scorecard.version.desc())
            .limit(1)
        )

    async def scorecard(self, version: int, *, for_update: bool = False) -> Scorecard | None:
        statement = select(Scorecard).where(Scorecard.version == version)
        if for_update:
            statement = statement.with_for_update()
        return await self.session.scalar(statement)

    async def scorecards(self) -> list[Scorecard]:
        rows = await self.session.scalars(select(Scorecard).order_by(Scorecard.version))
        return list(rows.all())

    async def scorecard_used(self, version: int) -> bool:
        used = await self.session.scalar(
            select(Assessment.id).where(Assessment.scorecard_version == version).limit(1)
        )
        return used is not None

    async def behaviour(self, customer_id: uuid.UUID) -> CustomerBehaviour | None:
        return await self.session.get(CustomerBehaviour, customer_id)

    async def add(self, assessment: Assessment) -> Assessment:
        self.session.add(assessment)
        await self.session.flush()
        return assessment

    async def add_scorecard(self, scorecard: Scorecard) -> Scorecard:
        self.session.add(scorecard)
        await self.session.flush()
        await self.session.refresh(scorecard)  # created_at comes from the server
        return scorecard

    async def get(self, assessment_id: uuid.UUID, *, for_update: bool = False) -> Assessment | None:
        statement = select(Assessment).where(Assessment.id == assessment_id)
        if for_update:
            statement = statement.with_for_update()
        return await self.session.scalar(statement)

    async def page(
        self, customer_id: uuid.UUID, page: PageRequest
    ) -> tuple[list[Assessment], str | None]:
        statement = ASSESSMENT_ORDER.page_query(
            select(Assessment).where(Assessment.customer_id == customer_id), page
        )
        rows = await self.session.scalars(statement)
        return ASSESSMENT_ORDER.page_of(rows.all(), page)
