"""The command line every service shares (Typer):

    python -m <package> migrate | serve | create-api-key | revoke-api-key | make-migration
                        | run-job NAME [--as-of YYYY-MM-DD]

It uses the service's own settings (e.g. INVOICING_DATABASE_URL), as the service does. Against
the platform `make run` started, use `python -m receivables_shared.devstack api-key ...`, which
knows where make run put the databases.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Annotated

import typer
import uvicorn

from receivables_shared.auth.keys import issue_api_key, parse_scopes, revoke_api_key
from receivables_shared.clock import SystemClock
from receivables_shared.db.engine import create_engine, create_sessionmaker
from receivables_shared.db.migrations import autogenerate_revision, upgrade_database
from receivables_shared.http.app import create_app
from receivables_shared.jobs import JobContext, PeriodicJob
from receivables_shared.logging import configure_logging
from receivables_shared.service import ServiceDefinition
from receivables_shared.settings import ServiceSettings


async def _create_api_key(settings: ServiceSettings, name: str, scopes: str) -> str:
    engine = create_engine(settings.resolved_database_url(), pool_size=1)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            issued = await issue_api_key(session, name=name, scopes=parse_scopes(scopes))
            return issued.secret
    finally:
        await engine.dispose()


async def _revoke_api_key(settings: ServiceSettings, key: str) -> bool:
    engine = create_engine(settings.resolved_database_url(), pool_size=1)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            return await revoke_api_key(session, key, now=datetime.now(UTC))
    finally:
        await engine.dispose()


async def _run_job(settings: ServiceSettings, job: PeriodicJob, as_of: date | None) -> object:
    engine = create_engine(settings.resolved_database_url())
    try:
        clock = SystemClock(as_of or settings.business_date, zone=settings.business_zone)
        context = JobContext(
            sessionmaker=create_sessionmaker(engine), clock=clock, settings=settings
        )
        return await job.run(context)
    finally:
        await engine.dispose()


def build_app(definition: ServiceDefinition) -> typer.Typer:
    app = typer.Typer(
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_show_locals=False,
        help=f"{definition.title}: migrations, server, API keys.",
    )

    def settings() -> ServiceSettings:
        loaded = definition.load_settings()
        configure_logging(definition.name, loaded.log_level, json_lines=loaded.log_json)
        return loaded

    @app.command()
    def migrate() -> None:
        """Apply this service's database migrations."""
        loaded = settings()
        asyncio.run(upgrade_database(definition, loaded.resolved_database_url()))

    @app.command()
    def serve() -> None:
        """Run the HTTP API and/or the workers (see the ROLE setting)."""
        loaded = settings()
        if loaded.migrate_on_startup:
            asyncio.run(upgrade_database(definition, loaded.resolved_database_url()))
        uvicorn.run(
            create_app(definition, loaded),
            host=loaded.host,
            port=loaded.port,
            log_config=None,
            access_log=False,
        )

    @app.command("create-api-key")
    def create_api_key(
        name: Annotated[str, typer.Option(help="Who the key is for, e.g. erp-prod.")],
        scopes: Annotated[
            str, typer.Option(help="Comma-separated: read,write,approve,admin.")
        ] = "read",
    ) -> None:
        """Create an API key and print it once."""
        try:
            secret = asyncio.run(_create_api_key(settings(), name, scopes))
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            raise typer.Exit(2) from error
        print(secret)

    @app.command("revoke-api-key")
    def revoke(
        key: Annotated[str, typer.Argument(help="The key, or its public part rk_<prefix>.")],
    ) -> None:
        """Revoke an API key: requests with it are 401 from now on."""
        if not asyncio.run(_revoke_api_key(settings(), key)):
            print("error: no active key with that prefix", file=sys.stderr)
            raise typer.Exit(1)
        print("revoked", file=sys.stderr)

    @app.command("run-job")
    def run_job(
        name: Annotated[str, typer.Argument(help="The job's name, e.g. overdue-and-interest.")],
        as_of: Annotated[
            datetime | None,
            typer.Option(formats=["%Y-%m-%d"], help="Business date to run as (default today)."),
        ] = None,
    ) -> None:
        """Run one round of a periodic job now and print what it did."""
        jobs = {job.name: job for job in definition.jobs}
        if name not in jobs:
            known = ", ".join(sorted(jobs)) or "none"
            print(f"error: no job {name!r} (jobs: {known})", file=sys.stderr)
            raise typer.Exit(2)
        print(asyncio.run(_run_job(settings(), jobs[name], as_of.date() if as_of else None)))

    @app.command("make-migration")
    def make_migration(
        message: Annotated[str, typer.Option("--message", "-m", help="What the migration does.")],
    ) -> None:
        """Autogenerate a migration from the models (against a database at the head)."""
        loaded = settings()
        asyncio.run(autogenerate_revision(definition, loaded.resolved_database_url(), message))

    return app


def main(definition: ServiceDefinition, argv: Sequence[str] | None = None) -> int:
    package = definition.migrations.split(":")[0].rsplit(".", 1)[0]
    try:
        build_app(definition)(
            args=list(argv) if argv is not None else None, prog_name=f"python -m {package}"
        )
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 1
    return 0
