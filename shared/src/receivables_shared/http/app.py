"""The app factory every service uses: same middleware, errors, health, metrics and lifespan."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from receivables_shared.clock import Clock, SystemClock
from receivables_shared.db.engine import create_engine, create_sessionmaker
from receivables_shared.http import health
from receivables_shared.http.authentication import api_key_finder
from receivables_shared.http.middleware import RequestContextMiddleware
from receivables_shared.http.openapi import install_openapi
from receivables_shared.http.problems import install_problem_handlers
from receivables_shared.service import ServiceDefinition
from receivables_shared.settings import ServiceSettings
from receivables_shared.workers import ServiceWorkers

#: Every public route lives under this prefix; health, metrics and the API description do not.
API_PREFIX = "/v1"


def create_app(
    definition: ServiceDefinition,
    settings: ServiceSettings | None = None,
    *,
    clock: Clock | None = None,
) -> FastAPI:
    settings = settings or definition.load_settings()
    clock = clock or SystemClock(settings.business_date, zone=settings.business_zone)
    url = settings.resolved_database_url()
    # No pre-ping for the API: a round trip on every request; a dead pooled connection costs
    # one request a 503 instead (db/engine.py). Workers keep it: their retries are slower.
    # No overflow: under a burst, opening and closing connections per request cost more than
    # waiting for a pooled one (docs/benchmarks.md); after API_POOL_TIMEOUT_SECONDS, a 503.
    engine = create_engine(
        url,
        pool_size=settings.database_pool_size,
        timeouts=settings.api_timeouts(),
        pre_ping=False,
        max_overflow=0,
        pool_timeout=settings.api_pool_timeout_seconds,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        workers = None
        # Workers get their own pool with their longer timeouts, also when ROLE=all runs both.
        worker_engine = None
        if settings.role in ("all", "worker"):
            worker_engine = create_engine(
                url, pool_size=settings.database_pool_size, timeouts=settings.worker_timeouts()
            )
            workers = ServiceWorkers(
                definition, settings, create_sessionmaker(worker_engine), clock
            )
            await workers.start()
        # Everything built at startup (routes, models, compiled statements) will live as long
        # as the process: out of the collector's sight, a full collection no longer walks it.
        gc.freeze()
        try:
            yield
        finally:
            if workers is not None:
                await workers.stop()
            if worker_engine is not None:
                await worker_engine.dispose()
            await engine.dispose()

    app = FastAPI(title=definition.title, version="0.1.0", lifespan=lifespan)
    app.state.definition = definition
    app.state.settings = settings
    app.state.clock = clock
    app.state.engine = engine
    app.state.sessionmaker = create_sessionmaker(engine)
    app.state.api_key_finder = api_key_finder(
        app.state.sessionmaker, cache_seconds=settings.api_key_cache_seconds
    )
    app.add_middleware(
        RequestContextMiddleware,
        service=definition.name,
        max_body_size=settings.max_body_bytes,
    )
    install_problem_handlers(app)
    app.include_router(health.router)
    if settings.role in ("all", "api"):
        for router in definition.routers:
            # A route's own max_body_size (an upload) wins over this default.
            app.include_router(router, prefix=API_PREFIX, max_body_size=settings.max_body_bytes)
    install_openapi(app)
    return app
