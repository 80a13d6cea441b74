"""What `make run` prints once the platform is up: a table a newcomer can read."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from receivables_shared.devstack.options import StackOptions
from receivables_shared.devstack.processes import ServiceProcess


def console() -> Console:
    # Never wrap: a key or URL broken over two lines cannot be copied.
    return Console(soft_wrap=True, markup=False, highlight=False)


def print_ready(
    apis: Sequence[ServiceProcess], bootstrap: str, key: str, options: StackOptions
) -> None:
    table = Table(title="the platform is up (interactive docs: <API>/docs)", title_justify="left")
    table.add_column("service", no_wrap=True)
    table.add_column("API", no_wrap=True)
    table.add_column("log", no_wrap=True)
    for api in apis:
        table.add_row(api.entry.name, api.url, str(options.logs_dir / f"{api.entry.name}.log"))
    out = console()
    out.print(table)
    out.print(f"broker   {bootstrap}")
    out.print(f"API key  {key}   (Authorization: Bearer <key>; kept in {options.var_dir}/)")
    out.print("more keys: .venv/bin/python -m receivables_shared.devstack api-key create --help")
    sources = options.var_dir / "webhook-sources.json"
    if sources.exists():
        out.print(f"webhooks secrets in {sources}; send a signed payment:")
        out.print("  .venv/bin/python -m receivables_shared.devstack webhook send --amount 120.00")
