"""The developer's command line for the local platform:

python -m receivables_shared.devstack run [--demo]         # what `make run` / `make demo` do
python -m receivables_shared.devstack api-key create --name erp --scopes read,write
python -m receivables_shared.devstack api-key revoke rk_1a2b3c4d
python -m receivables_shared.devstack reset                # what `make reset` does
python -m receivables_shared.devstack webhook send --amount 120.00 --invoice INV-2026-000001
"""

from __future__ import annotations

import asyncio
import shutil
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from receivables_shared.auth.keys import new_secret, parse_scopes
from receivables_shared.devstack.keys import create_key, revoke_key
from receivables_shared.devstack.options import DEFAULT_BROKER_PORT, StackOptions
from receivables_shared.devstack.state import StackState, process_alive, read_state, running_stack
from receivables_shared.services_registry import service_named

app = typer.Typer(
    no_args_is_help=True, add_completion=False, help=__doc__, pretty_exceptions_show_locals=False
)
api_key = typer.Typer(no_args_is_help=True, help="API keys on the platform `make run` started.")
app.add_typer(api_key, name="api-key")
webhook = typer.Typer(no_args_is_help=True, help="Payment webhooks to the running platform.")
app.add_typer(webhook, name="webhook")
err = Console(stderr=True, highlight=False, markup=False, soft_wrap=True)

VarDir = Annotated[Path, typer.Option(help="The stack's files: logs, keys, state, PostgreSQL.")]
Services = Annotated[
    list[str] | None,
    typer.Option("--service", "-s", help="A service (repeatable); all five when left out."),
]


@app.command()
def run(
    demo: Annotated[bool, typer.Option(help="Load the demo data once all are up.")] = False,
    var_dir: VarDir = Path("var"),
    port_base: Annotated[
        int | None, typer.Option(help="API ports base, base+1, ... (default 8001..8005).")
    ] = None,
    broker_port: Annotated[int, typer.Option(help="The embedded broker's port.")] = (
        DEFAULT_BROKER_PORT
    ),
    database_prefix: Annotated[str, typer.Option(help="Prepended to every database name.")] = "",
    drain_timeout: Annotated[
        float, typer.Option(help="Seconds a stop waits for the consumers to catch up.")
    ] = 30.0,
) -> None:
    """Start the whole platform; Ctrl-C stops it without losing an event."""
    from receivables_shared.devstack.run import run_stack

    options = StackOptions(
        var_dir=var_dir,
        port_base=port_base,
        broker_port=broker_port,
        database_prefix=database_prefix,
        demo=demo,
        drain_timeout_seconds=drain_timeout,
    )
    raise typer.Exit(run_stack(options))


def _stack_databases(var_dir: Path, services: list[str] | None) -> dict[str, str]:
    state: StackState | None = running_stack(var_dir)
    if state is None:
        err.print(f"no `make run` is running from {var_dir}/ (start it first)")
        raise typer.Exit(1)
    try:
        names = [service_named(s).name for s in services] if services else None
    except KeyError as error:
        err.print(str(error.args[0]))
        raise typer.Exit(2) from error
    return {
        name: service.database_url
        for name, service in state.services.items()
        if names is None or name in names
    }


@api_key.command("create")
def create(
    name: Annotated[str, typer.Option(help="Who the key is for, e.g. erp.")],
    scopes: Annotated[
        str, typer.Option(help="Comma-separated: read,write,approve,admin.")
    ] = "read",
    service: Services = None,
    var_dir: VarDir = Path("var"),
) -> None:
    """Create one key valid on the chosen services (all five by default); print it once."""
    try:
        parsed = parse_scopes(scopes)
    except ValueError as error:
        err.print(f"--scopes: {error}")
        raise typer.Exit(2) from error
    databases = _stack_databases(var_dir, service)
    secret = new_secret()
    asyncio.run(create_key(list(databases.values()), name=name, scopes=parsed, secret=secret))
    err.print(f"key {name!r} ({', '.join(parsed)}) for: {', '.join(databases)}")
    print(secret)  # alone on stdout, for KEY=$(...)


@api_key.command("revoke")
def revoke(
    key: Annotated[str, typer.Argument(help="The key, or its public part rk_<prefix>.")],
    service: Services = None,
    var_dir: VarDir = Path("var"),
) -> None:
    """Revoke a key on the chosen services (all five by default)."""
    databases = _stack_databases(var_dir, service)
    revoked = asyncio.run(revoke_key(list(databases.values()), key))
    if not revoked:
        err.print("no active key with that prefix")
        raise typer.Exit(1)
    err.print(f"revoked on {revoked} service(s)")


@app.command()
def reset(var_dir: VarDir = Path("var")) -> None:
    """Wipe the local platform's data (var/: databases, logs, dev key); keeps .venv/."""
    if running_stack(var_dir) is not None:
        err.print(f"`make run` is running from {var_dir}/: stop it first")
        raise typer.Exit(1)
    # A killed launcher's children may still use var/ (PostgreSQL's data).
    killed = read_state(var_dir)
    if killed is not None and (alive := [p for p in killed.pids() if process_alive(p)]):
        err.print(f"processes of a killed `make run` still run: {alive}; stop them first")
        raise typer.Exit(1)
    shutil.rmtree(var_dir, ignore_errors=True)
    err.print(f"removed {var_dir}/")


@webhook.command("send")
def send(
    amount: Annotated[str, typer.Option(help="Decimal string, e.g. 120.00.")],
    currency: Annotated[str, typer.Option(help="ISO 4217.")] = "EUR",
    invoice: Annotated[
        list[str] | None, typer.Option("--invoice", help="An invoice number it pays (repeatable).")
    ] = None,
    customer: Annotated[str | None, typer.Option(help="The customer's external id.")] = None,
    reference: Annotated[str | None, typer.Option(help="Remittance text or RF reference.")] = None,
    received_on: Annotated[str | None, typer.Option(help="YYYY-MM-DD; today if left out.")] = None,
    source: Annotated[str, typer.Option(help="A Standard Webhooks source.")] = "bank-standard",
    var_dir: VarDir = Path("var"),
) -> None:
    """Post one signed Standard Webhooks payment to invoicing; print the answer."""
    from receivables_shared.devstack.webhooks import (
        SOURCES_FILE,
        payment_payload,
        send_webhook,
        source_secret,
    )

    state = running_stack(var_dir)
    if state is None or "invoicing" not in state.services:
        err.print(f"no `make run` is running from {var_dir}/ (start it first)")
        raise typer.Exit(1)
    try:
        secret = source_secret(var_dir / SOURCES_FILE, source)
        day = date.fromisoformat(received_on) if received_on else date.today()
    except (OSError, ValueError) as error:
        err.print(str(error))
        raise typer.Exit(2) from error
    payload = payment_payload(
        amount=amount,
        currency=currency,
        received_on=day,
        reference=reference,
        customer_external_id=customer,
        invoice_numbers=invoice,
    )
    response = send_webhook(state.services["invoicing"].api_url, source, secret, payload)
    err.print(f"{response.status_code} from {response.request.url}")
    print(response.text)
    if response.status_code != 202:
        raise typer.Exit(1)
