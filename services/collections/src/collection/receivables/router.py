from __future__ import annotations

import uuid

from fastapi import APIRouter

from collection.dependencies import ClockDep, PageRequestDep, ReadKeyDep, SessionDep
from collection.receivables import service
from collection.receivables.schemas import CustomerBalance, ReceivablePage, ReceivableRead

router = APIRouter(prefix="/customers/{customer_id}", tags=["receivables"])


@router.get("/receivables", response_model=ReceivablePage)
async def list_receivables(
    customer_id: uuid.UUID,
    session: SessionDep,
    clock: ClockDep,
    _: ReadKeyDep,
    page: PageRequestDep,
) -> ReceivablePage:
    receivables, next_cursor = await service.receivables_of(session, customer_id, page)
    today = clock.today()
    items = [ReceivableRead.of(r, as_of=today) for r in receivables]
    return ReceivablePage(items=items, next_cursor=next_cursor)


@router.get("/balance", response_model=CustomerBalance)
async def customer_balance(
    customer_id: uuid.UUID, session: SessionDep, _: ReadKeyDep
) -> CustomerBalance:
    balances = await service.balance_of(session, customer_id)
    return CustomerBalance(customer_id=customer_id, balances=balances)
