"""Alembic, driven from code: one migration tree per service, applied on start-up and by `migrate`.

Each service's migrations/env.py only calls run_in_alembic_env(); the service definition and the
connection travel in the Alembic config's attributes.
"""

from __future__ import annotations

from alembic import command, context
from alembic.config import Config
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

# The platform models register their tables on PlatformBase.metadata.
from receivables_shared.auth import models as _api_keys  # noqa: F401
from receivables_shared.consumer import models as _inbox  # noqa: F401
from receivables_shared.db.base import PlatformBase
from receivables_shared.idempotency import models as _idempotency  # noqa: F401
from receivables_shared.outbox import models as _outbox  # noqa: F401
from receivables_shared.service import ServiceDefinition


def alembic_config(definition: ServiceDefinition, connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", definition.migrations)
    config.attributes["definition"] = definition
    config.attributes["connection"] = connection
    return config


async def upgrade_database(definition: ServiceDefinition, url: str) -> None:
    engine = create_async_engine(url, poolclass=NullPool, hide_parameters=True)
    try:
        async with engine.begin() as connection:
            # Replicas starting together: one migrates, the others wait and then find nothing to do.
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": definition.name}
            )
            await connection.run_sync(
                lambda sync: command.upgrade(alembic_config(definition, sync), "head")
            )
    finally:
        await engine.dispose()


async def autogenerate_revision(definition: ServiceDefinition, url: str, message: str) -> None:
    engine = create_async_engine(url, poolclass=NullPool, hide_parameters=True)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(
                lambda sync: command.revision(
                    alembic_config(definition, sync), message=message, autogenerate=True
                )
            )
    finally:
        await engine.dispose()


def run_in_alembic_env() -> None:
    definition: ServiceDefinition = context.config.attributes["definition"]
    connection: Connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=[PlatformBase.metadata, definition.metadata],
        compare_type=True,
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        context.run_migrations()
