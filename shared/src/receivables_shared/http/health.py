"""Health and metrics: no credential needed (probes and Prometheus)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from receivables_shared.http.problems import RETRY_AFTER_HEADERS, problem_response
from receivables_shared.kafka import broker_reachable

router = APIRouter(tags=["operations"])

CHECK_TIMEOUT_SECONDS = 2.0


@router.get("/health/live")
async def live() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/health/ready",
    response_model=None,
    responses={503: {"description": "The database or the broker does not answer."}},
)
async def ready(request: Request) -> JSONResponse:
    checks: dict[str, str] = {}
    try:
        # Bounded: a probe that hangs is worse than one that says "not ready".
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            async with request.app.state.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as error:
        checks["database"] = f"failed: {type(error).__name__}"
    bootstrap = request.app.state.settings.resolved_kafka_bootstrap_servers()
    reachable = await broker_reachable(bootstrap, timeout=CHECK_TIMEOUT_SECONDS)
    checks["broker"] = "ok" if reachable else "failed: unreachable"
    if all(value == "ok" for value in checks.values()):
        return JSONResponse({"status": "ok", "checks": checks})
    failing = ", ".join(name for name, value in checks.items() if value != "ok")
    response = problem_response(
        request, 503, f"Not ready: {failing} check failed.", headers=RETRY_AFTER_HEADERS
    )
    response.headers["x-health-checks"] = ";".join(f"{k}={v}" for k, v in checks.items())
    return response


@router.get("/metrics")
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
