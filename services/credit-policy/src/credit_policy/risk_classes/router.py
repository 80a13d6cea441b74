from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from credit_policy.dependencies import ApproveKeyDep, ClockDep, ReadKeyDep, SessionDep
from credit_policy.risk_classes import service
from credit_policy.risk_classes.schemas import RiskClassList, RiskClassRead, RiskClassWrite
from credit_policy.terms.schemas import ClassKey

router = APIRouter(prefix="/risk-classes", tags=["risk classes"])

KeyPath = Annotated[ClassKey, Path(description='The class key: "A", "B", "PREPAY".')]


@router.get("", response_model=RiskClassList)
async def list_risk_classes(session: SessionDep, _: ReadKeyDep) -> RiskClassList:
    classes = await service.list_risk_classes(session)
    return RiskClassList(items=[RiskClassRead.model_validate(c) for c in classes])


@router.get("/{key}", response_model=RiskClassRead)
async def get_risk_class(key: KeyPath, session: SessionDep, _: ReadKeyDep) -> RiskClassRead:
    return RiskClassRead.model_validate(await service.get_risk_class(session, key))


@router.put(
    "/{key}",
    response_model=RiskClassRead,
    responses={201: {"model": RiskClassRead, "description": "Created"}},
)
async def put_risk_class(
    key: KeyPath,
    data: RiskClassWrite,
    session: SessionDep,
    clock: ClockDep,
    response: Response,
    api_key: ApproveKeyDep,
) -> RiskClassRead:
    """Create (201) or change (200) a class; a change re-announces its customers' terms."""
    risk_class, created = await service.put_risk_class(session, clock, key, data, api_key.name)
    response.status_code = 201 if created else 200
    return RiskClassRead.model_validate(risk_class)
