"""songsmith's own routes: liveness, readiness, Prometheus metrics, and the local Swagger UI."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response

from songsmith.api.state import app_state

log = logging.getLogger("songsmith.api")
router = APIRouter(tags=["service"])

SWAGGER_DIR = Path(__file__).resolve().parent / "static" / "swagger"
_SWAGGER_FILES = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
    "LICENSE": "text/plain",
}


@router.get("/health", summary="Liveness")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready", summary="Readiness: store, queue and engines")
def ready(request: Request) -> Response:
    state = app_state(request)
    checks: dict[str, str] = {}
    for name, probe in (("store", state.store.ping), ("queue", state.queue.ping)):
        try:
            probe()
            checks[name] = "ok"
        except Exception as exc:  # any failure means "not ready", with the reason
            log.warning("readiness: %s failed: %s", name, type(exc).__name__)
            checks[name] = f"error: {type(exc).__name__}"
    engine = state.settings.default_engine
    checks["engines"] = (
        "ok"
        if state.submit.capabilities(engine) is not None
        else (f"error: engine {engine!r} not importable")
    )
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ready" if ok else "not_ready", "checks": checks},
        status_code=200 if ok else 503,
        headers=None if ok else {"Retry-After": "5"},
    )


@router.get("/metrics", summary="Prometheus metrics", response_class=PlainTextResponse)
def metrics(request: Request) -> Response:
    state = app_state(request)
    try:
        counts = state.store.task_counts()
        depth = state.queue.depth()
    except Exception as exc:  # scrape must not 500 when the database blips
        log.warning("metrics: store/queue unavailable: %s", type(exc).__name__)
        counts, depth = {}, {}
    body = state.metrics.render(counts, depth)
    queue_stats = getattr(state.queue, "stats", None)  # distributed queue: workers, stalled
    if queue_stats is not None:
        from songsmith.services.distributed import queue_metrics_lines

        try:
            body += queue_metrics_lines(queue_stats())
        except Exception as exc:
            log.warning("metrics: queue stats unavailable: %s", type(exc).__name__)
    return PlainTextResponse(body, media_type="text/plain; version=0.0.4")


@router.get("/docs", include_in_schema=False)
def swagger_ui() -> Response:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="songsmith API",
        swagger_js_url="/docs/assets/swagger-ui-bundle.js",
        swagger_css_url="/docs/assets/swagger-ui.css",
        swagger_favicon_url="/docs/assets/favicon-32x32.png",
    )


@router.get("/docs/assets/{name}", include_in_schema=False)
def swagger_asset(name: str) -> Response:
    media_type = _SWAGGER_FILES.get(name)
    if media_type is None:  # a fixed allowlist: the name never reaches the filesystem
        return JSONResponse({"detail": "Not Found"}, status_code=404)
    return FileResponse(SWAGGER_DIR / name, media_type=media_type)
