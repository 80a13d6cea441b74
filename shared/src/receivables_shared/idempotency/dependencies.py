"""The Idempotency-Key dependency for write endpoints.

    @router.post("", status_code=201, response_model=InvoiceRead)
    async def issue_invoice(..., idempotency: IdempotencyDep) -> InvoiceRead | Response:
        if replay := await idempotency.replay():
            return replay
        invoice = await service.issue_invoice(session, clock, data)
        return await idempotency.remember(201, InvoiceRead.model_validate(invoice))

The key is claimed with an INSERT in the request's transaction, so a concurrent retry waits for
the first request to commit and then replays its answer; a failed request rolls its claim back
and may be retried. The answer is stored in the same transaction as the change it reports.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, TypeVar

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from receivables_shared.auth.models import ApiKey
from receivables_shared.http.dependencies import ApiKeyDep, SessionDep
from receivables_shared.http.problems import ProblemError, ProblemType
from receivables_shared.idempotency.models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 200

Answer = TypeVar("Answer", bound=BaseModel)


class Idempotency:
    def __init__(
        self,
        session: AsyncSession,
        api_key: ApiKey,
        key: str | None,
        method: str,
        path: str,
        body: bytes,
    ) -> None:
        self.session = session
        self.api_key = api_key
        self.key = key
        self.method = method
        self.path = path
        self.request_hash = hashlib.sha256(body).hexdigest()

    async def replay(self) -> JSONResponse | None:
        """None: go ahead (the key is claimed or absent). A response: send it, change nothing."""
        if self.key is None:
            return None
        claimed = await self.session.scalar(
            insert(IdempotencyRecord)
            .values(
                api_key_id=self.api_key.id,
                key=self.key,
                method=self.method,
                path=self.path,
                request_hash=self.request_hash,
            )
            .on_conflict_do_nothing()
            .returning(IdempotencyRecord.key)
        )
        if claimed is not None:
            return None
        record = await self.session.scalar(
            select(IdempotencyRecord).where(
                IdempotencyRecord.api_key_id == self.api_key.id, IdempotencyRecord.key == self.key
            )
        )
        assert record is not None  # the conflicting row is committed: nothing deletes it
        if (record.method, record.path, record.request_hash) != (
            self.method,
            self.path,
            self.request_hash,
        ):
            raise ProblemError(
                422,
                f"{HEADER} '{self.key}' was already used for a different request.",
                type_=ProblemType.VALIDATION,
                field=HEADER,
                location="header",
            )
        if record.status_code is None:
            raise ProblemError(
                409,
                f"The request with {HEADER} '{self.key}' is still running.",
                field=HEADER,
                location="header",
            )
        return JSONResponse(
            record.response_body,
            status_code=record.status_code,
            headers={REPLAYED_HEADER: "true"},
        )

    async def remember(self, status_code: int, response: Answer) -> Answer:
        if self.key is not None:
            await self.session.execute(
                update(IdempotencyRecord)
                .where(
                    IdempotencyRecord.api_key_id == self.api_key.id,
                    IdempotencyRecord.key == self.key,
                )
                .values(status_code=status_code, response_body=response.model_dump(mode="json"))
            )
        return response


async def get_idempotency(
    request: Request,
    session: SessionDep,
    api_key: ApiKeyDep,
    # A Header parameter: validated like any input (a problem naming the header) and declared in
    # the OpenAPI document of every operation that takes it.
    key: Annotated[
        str | None,
        Header(
            alias=HEADER,
            min_length=1,
            max_length=MAX_KEY_LENGTH,
            description="Your id for this request: a retry with the same key and body replays "
            "the first answer and changes nothing.",
            examples=["erp-order-4711"],
        ),
    ] = None,
) -> Idempotency:
    return Idempotency(
        session, api_key, key, request.method, request.url.path, await request.body()
    )


IdempotencyDep = Annotated[Idempotency, Depends(get_idempotency)]
