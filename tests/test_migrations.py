"""Every service's migrations build exactly the schema its models (and the platform's) describe."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from receivables_shared.db.base import PlatformBase
from receivables_shared.db.engine import create_engine
from receivables_shared.db.migrations import upgrade_database  # also loads the platform models
from receivables_shared.service import ServiceDefinition
from receivables_shared.services_registry import SERVICES, ServiceEntry
from receivables_shared.testing.service import database_name_for_tests, fresh_database


def differences(connection: Connection, definition: ServiceDefinition) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    # Alembic accepts a list of MetaData (as env.py passes it); its annotation says one.
    metadata: Any = [PlatformBase.metadata, definition.metadata]
    return list(compare_metadata(context, metadata))


@pytest.mark.parametrize("entry", SERVICES, ids=lambda entry: entry.package)
async def test_migrations_match_the_models(postgres_server_url: str, entry: ServiceEntry) -> None:
    definition = entry.definition()
    url = await fresh_database(
        definition, postgres_server_url, database_name_for_tests(definition, "schema")
    )
    await upgrade_database(definition, url)  # a second upgrade is a no-op
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            diffs = await connection.run_sync(differences, definition)
    finally:
        await engine.dispose()

    assert diffs == []
