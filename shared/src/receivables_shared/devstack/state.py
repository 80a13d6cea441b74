"""var/stack.json: what a running `make run` started, for the developer CLI and for tests.

The embedded PostgreSQL listens on a unix socket under var/, so a command that wants to reach the
platform's databases must learn the URLs from the launcher; they are written here once everything
is prepared, and the file is removed when the stack stops.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel

STATE_FILE = "stack.json"


class ServiceState(BaseModel):
    name: str
    api_url: str
    worker_url: str
    database_url: str
    pids: list[int] = []


class StackState(BaseModel):
    launcher_pid: int
    bootstrap_servers: str
    #: The broker this launcher started (memory storage), or None for an external one.
    broker_pid: int | None = None
    services: dict[str, ServiceState]
    #: True once every API and worker answered /health/ready.
    ready: bool = False

    def pids(self) -> list[int]:
        """Every process of the stack, the launcher first."""
        pids = [self.launcher_pid]
        pids.extend(pid for service in self.services.values() for pid in service.pids)
        if self.broker_pid is not None:
            pids.append(self.broker_pid)
        return pids


def write_state(var_dir: Path, state: StackState) -> None:
    path = var_dir / STATE_FILE
    partial = path.with_suffix(".tmp")
    partial.write_text(state.model_dump_json(indent=2))
    partial.replace(path)  # readers never see half a file


def read_state(var_dir: Path) -> StackState | None:
    path = var_dir / STATE_FILE
    if not path.exists():
        return None
    return StackState.model_validate_json(path.read_text())


def remove_state(var_dir: Path) -> None:
    (var_dir / STATE_FILE).unlink(missing_ok=True)


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, someone else's
    return True


def running_stack(var_dir: Path) -> StackState | None:
    """The state of a stack whose launcher still runs; None when none does (or it was killed)."""
    state = read_state(var_dir)
    if state is None or not process_alive(state.launcher_pid):
        return None
    return state
