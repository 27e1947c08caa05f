"""The FastAPI app factory: ports from settings (or injected by tests), routes, limits, errors."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from songsmith.api.body_limit import BodyLimitMiddleware
from songsmith.api.errors import install_error_handlers
from songsmith.api.metrics import Metrics, MetricsMiddleware
from songsmith.api.state import AppState
from songsmith.blobs.typing import BlobStore
from songsmith.config import Settings
from songsmith.engines.typing import EngineCapabilities
from songsmith.queue.typing import Queue
from songsmith.services.keys import KeyAuthenticator
from songsmith.services.ratelimit import RateLimiter
from songsmith.services.submit import CapabilitiesLookup, SubmitContext
from songsmith.store.typing import Store

log = logging.getLogger("songsmith.api")

API_TITLE = "songsmith"
API_DESCRIPTION = (
    "Self-hosted music generation server speaking the Suno API as CometAPI serves it. "
    "Authenticate `/suno/*` routes with `Authorization: Bearer sk-...`."
)


def registry_capabilities(settings: Settings) -> CapabilitiesLookup:
    """Engine capabilities from the engine registry; None when an engine cannot be loaded."""
    from songsmith.engines.registry import EngineRegistry, EngineUnavailable

    registry = EngineRegistry(settings)
    cache: dict[str, EngineCapabilities | None] = {}

    def lookup(name: str) -> EngineCapabilities | None:
        if name not in cache:
            try:
                cache[name] = registry.capabilities(name)
            except EngineUnavailable:
                cache[name] = None
        return cache[name]

    return lookup


def _wire_openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema minus the 422s it adds: songsmith answers 400 for invalid input."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=API_TITLE,
        version=app.version,
        description=API_DESCRIPTION,
        routes=app.routes,
    )
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            if isinstance(operation, dict):
                operation.get("responses", {}).pop("422", None)
    components = schema.get("components", {}).get("schemas", {})
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    app.openapi_schema = schema
    return schema


def create_app(
    settings: Settings,
    *,
    store: Store | None = None,
    queue: Queue | None = None,
    blobs: BlobStore | None = None,
    capabilities: CapabilitiesLookup | None = None,
) -> FastAPI:
    """Build the app. Ports left None are built from `settings` (SQLite file, local blobs)."""
    if store is None:
        from songsmith.store.sql import SqlStore

        store = SqlStore(settings.resolved_database_url)
    if queue is None:
        from songsmith.queue.factory import make_queue

        queue = make_queue(settings)
    if blobs is None:
        from songsmith.blobs.factory import make_blobs

        blobs = make_blobs(settings)
    if capabilities is None:
        capabilities = registry_capabilities(settings)

    if settings.api_key:
        # SONGSMITH_API_KEY is accepted like a stored key (registered by hash, idempotently).
        from songsmith.services.keys import ensure_env_key

        ensure_env_key(store, settings.api_key)

    metrics = Metrics()
    state = AppState(
        settings=settings,
        store=store,
        queue=queue,
        blobs=blobs,
        authenticator=KeyAuthenticator(store),
        limiter=RateLimiter(settings.rate_limit_per_minute),
        submit=SubmitContext(
            store=store, queue=queue, settings=settings, capabilities=capabilities, blobs=blobs
        ),
        metrics=metrics,
    )

    app = FastAPI(
        title=API_TITLE,
        description=API_DESCRIPTION,
        version="0.1.0",
        docs_url=None,  # served by api/native.py with local assets (no CDN)
        redoc_url=None,
        # an id that is "/" would otherwise be answered with a 307 to another route; unknown
        # paths get the wire's 404 instead (the one trailing-slash alias is its own route)
        redirect_slashes=False,
    )
    app.state.songsmith = state
    install_error_handlers(app)

    from songsmith.api import files, native
    from songsmith.api.suno import routes as suno_routes

    app.include_router(suno_routes.router)
    app.include_router(files.router)
    app.include_router(native.router)

    if settings.cors_origins:
        from starlette.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "HEAD", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "Range"],
        )
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(MetricsMiddleware, metrics=metrics)

    def openapi() -> dict[str, Any]:
        return _wire_openapi(app)

    app.openapi = openapi  # type: ignore[method-assign]
    return app
