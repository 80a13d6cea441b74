"""A service app served over a real TCP port inside the test's event loop (uvicorn).

For tests where one service calls another over HTTP: the callee answers on a real socket, as
in production, instead of through an in-process transport."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI

from receivables_shared.testing.helpers import eventually


@asynccontextmanager
async def served(app: FastAPI) -> AsyncIterator[str]:
    """Serve `app` (with its lifespan) on a free port of 127.0.0.1; yields its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))  # bound before uvicorn starts: no other process can take it
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, lifespan="on", log_config=None))
    serving = asyncio.create_task(server.serve(sockets=[sock]))

    async def started() -> bool:
        if serving.done():
            raise AssertionError(f"the server stopped while starting: {serving!r}")
        return server.started

    try:
        await eventually(started)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await serving
        sock.close()
