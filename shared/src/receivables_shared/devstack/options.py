"""What a dev stack run is told: where its files go, which ports, which database names."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from receivables_shared.services_registry import SERVICES, ServiceEntry

DEFAULT_BROKER_PORT = 9092


@dataclass(frozen=True)
class StackOptions:
    #: Logs, the dev API key, the embedded PostgreSQL's data and stack.json live here.
    var_dir: Path = Path("var")
    #: None: each service's registry port (8001..8005); else base, base + 1, ... in registry order.
    port_base: int | None = None
    broker_port: int = DEFAULT_BROKER_PORT
    #: Prepended to every database name, so a test's stack never touches a developer's data.
    database_prefix: str = ""
    demo: bool = False
    #: How long a stop waits for the consumers to catch up before it stops the broker anyway.
    drain_timeout_seconds: float = 30.0

    @property
    def logs_dir(self) -> Path:
        return self.var_dir / "logs"

    def api_port(self, entry: ServiceEntry) -> int:
        if self.port_base is None:
            return entry.port
        return self.port_base + SERVICES.index(entry)
