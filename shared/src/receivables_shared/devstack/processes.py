"""The services' processes: per service an API process and a worker process (relay + consumer).

Two processes per service, like the api and worker Deployments in Kubernetes, so a stop can end
the APIs first and keep the relays and consumers running until the platform has caught up.
Each child runs in its own session: Ctrl-C in the terminal reaches only the launcher, which then
stops the children in order.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import httpx

from receivables_shared.services_registry import ServiceEntry

Role = Literal["api", "worker"]


@dataclass
class ServiceProcess:
    entry: ServiceEntry
    role: Role
    url: str
    process: subprocess.Popen[bytes]

    @property
    def alive(self) -> bool:
        return self.process.poll() is None


def start_service(
    entry: ServiceEntry,
    role: Role,
    *,
    port: int,
    database_url: str,
    extra_env: Mapping[str, str],
    log_path: Path,
) -> ServiceProcess:
    prefix = entry.env_prefix
    env = {
        **os.environ,
        **extra_env,
        f"{prefix}ROLE": role,
        f"{prefix}PORT": str(port),
        f"{prefix}DATABASE_URL": database_url,
        f"{prefix}MIGRATE_ON_STARTUP": "false",  # the launcher migrated before starting anything
    }
    log = open(log_path, "ab")  # noqa: SIM115 (the child keeps it; closed when we exit)
    process = subprocess.Popen(
        [sys.executable, "-m", entry.package, "serve"],
        env=env,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    return ServiceProcess(entry, role, f"http://127.0.0.1:{port}", process)


def wait_ready(
    processes: Sequence[ServiceProcess], *, give_up: Callable[[], bool], timeout: float = 120
) -> None:
    """Until every process answers /health/ready. Raises if one exits or time runs out."""
    deadline = time.monotonic() + timeout
    for service in processes:
        while True:
            if give_up():
                return
            if not service.alive:
                raise RuntimeError(f"{service.entry.name} ({service.role}) exited at start")
            try:
                if httpx.get(f"{service.url}/health/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{service.entry.name} ({service.role}) did not become ready")
            time.sleep(0.2)


def stop_processes(processes: Sequence[ServiceProcess], *, timeout: float = 20) -> None:
    """SIGTERM (each finishes its requests or batches), SIGKILL whoever is still up after."""
    for service in processes:
        if service.alive:
            service.process.terminate()
    deadline = time.monotonic() + timeout
    for service in processes:
        try:
            service.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            service.process.kill()
            service.process.wait()
