"""HTTP load for the benches that talk to a service's real port: keep-alive clients in a closed
loop over prepared raw HTTP/1.1 requests, latency percentiles, a process's CPU time."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import time
from pathlib import Path


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def processes_cpu_seconds(pids: list[int]) -> float:
    """CPU time so far of those of the processes that are still there."""
    total = 0.0
    for pid in pids:
        with contextlib.suppress(FileNotFoundError):
            total += cpu_seconds(pid)
    return total


def machine_busy_seconds() -> float:
    """CPU time all processes of the machine have used so far, on all cores (/proc/stat:
    user, nice, system, irq, softirq, steal; not idle, not iowait)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000


async def read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await reader.readexactly(length)
    return status


async def http_clients(
    port: int, requests: list[bytes], clients: int, expected: int = 202
) -> tuple[list[float], float]:
    """Closed loop: each keep-alive client sends its next request when the last is answered.
    Returns the latencies and the moment (perf_counter) the last answer was read."""
    queue = iter(requests)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    last = 0.0

    async def client() -> None:
        nonlocal last
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for request in queue:
            started = time.perf_counter()
            writer.write(request)
            status = await read_response(reader)
            last = time.perf_counter()
            latencies.append(last - started)
            statuses[status] = statuses.get(status, 0) + 1
        writer.close()

    await asyncio.gather(*(client() for _ in range(clients)))
    if set(statuses) != {expected}:
        raise SystemExit(f"not every request was answered {expected}: {statuses}")
    return latencies, last


async def wait_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    for _ in range(600):
        if process.poll() is not None:
            raise SystemExit(f"{process.args!r} exited ({process.returncode}); see its log")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.1)
            continue
        writer.close()
        return
    raise SystemExit(f"nothing listens on port {port} after a minute")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
