from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.write_offs.models import WriteOff


class WriteOffRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, write_off: WriteOff) -> WriteOff:
        self.session.add(write_off)
        await self.session.flush()
        return write_off
