"""Every public bank sample in ../shared/bankfiles imports through POST /v1/bank-statements
(twice: the second time every credit is a duplicate and nothing more is stored). Skipped where
the samples are not beside the repository."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.bankfiles import parse_statement
from invoicing.payments.models import Payment
from invoicing.payments.statements import account_of
from invoicing.testing import count

ROOT = Path(__file__).resolve().parents[4]
SAMPLES = next(
    (
        candidate
        for candidate in (ROOT.parent / "shared" / "bankfiles", Path("/work/shared/bankfiles"))
        if candidate.is_dir()
    ),
    None,
)
PATHS = (
    sorted(p for folder in ("camt053", "camt054", "mt940") for p in (SAMPLES / folder).glob("*"))
    if SAMPLES is not None
    else []
)
#: Read once at collection: the tests themselves do no blocking file reads.
CONTENTS = {path: path.read_bytes() for path in PATHS}


def _accounts() -> str:
    accounts = set()
    for path in PATHS:
        for statement in parse_statement(CONTENTS[path]).statements:
            if (account := account_of(statement)) is not None:
                accounts.add(account)
    return ",".join(sorted(accounts))


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"customer_event_wait_seconds": 0.3, "bank_accounts": _accounts()}


@pytest.mark.skipif(SAMPLES is None, reason="../shared/bankfiles is not beside the repository")
@pytest.mark.parametrize("path", PATHS, ids=[p.name for p in PATHS])
async def test_public_sample_imports_once(
    client: httpx.AsyncClient, session: AsyncSession, path: Path
) -> None:
    upload = {"file": (path.name, CONTENTS[path], "application/octet-stream")}

    first = await client.post("/v1/bank-statements", files=upload)
    stored = await count(session, Payment)
    second = await client.post("/v1/bank-statements", files=upload)

    assert first.status_code == 201, first.text
    created = sum(s["payments_created"] for s in first.json()["statements"])
    assert created == stored
    assert sum(s["payments_created"] for s in second.json()["statements"]) == 0
    assert sum(s["duplicates"] for s in second.json()["statements"]) == created
    assert await count(session, Payment) == stored
