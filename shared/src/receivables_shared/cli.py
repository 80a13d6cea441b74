"""The command line every service shares: `python -m <package> migrate|serve|create-api-key|...`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

import uvicorn

from receivables_shared.auth.keys import issue_api_key, parse_scopes
from receivables_shared.db.engine import create_engine, create_sessionmaker
from receivables_shared.db.migrations import autogenerate_revision, upgrade_database
from receivables_shared.http.app import create_app
from receivables_shared.logging import configure_logging
from receivables_shared.service import ServiceDefinition


async def _create_api_key(definition: ServiceDefinition, name: str, scopes: str) -> str:
    settings = definition.load_settings()
    engine = create_engine(settings.resolved_database_url(), pool_size=1)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            issued = await issue_api_key(session, name=name, scopes=parse_scopes(scopes))
            return issued.secret
    finally:
        await engine.dispose()


def main(definition: ServiceDefinition, argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {definition.migrations.split(':')[0]}")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="apply database migrations")
    commands.add_parser("serve", help="run the HTTP API and/or workers (see the ROLE setting)")
    key = commands.add_parser("create-api-key", help="create an API key and print it once")
    key.add_argument("--name", required=True)
    key.add_argument("--scopes", default="read", help="comma-separated: read,write,admin")
    revision = commands.add_parser("make-migration", help="autogenerate a migration from models")
    revision.add_argument("-m", "--message", required=True)
    args = parser.parse_args(argv)

    settings = definition.load_settings()
    configure_logging(definition.name, settings.log_level, json_lines=settings.log_json)
    url = settings.resolved_database_url()

    if args.command == "migrate":
        asyncio.run(upgrade_database(definition, url))
    elif args.command == "serve":
        if settings.migrate_on_startup:
            asyncio.run(upgrade_database(definition, url))
        uvicorn.run(
            create_app(definition, settings),
            host=settings.host,
            port=settings.port,
            log_config=None,
            access_log=False,
        )
    elif args.command == "create-api-key":
        try:
            secret = asyncio.run(_create_api_key(definition, args.name, args.scopes))
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        print(secret)
    elif args.command == "make-migration":
        asyncio.run(autogenerate_revision(definition, url, args.message))
    return 0
