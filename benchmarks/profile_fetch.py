"""Where a `GET /suno/fetch/{id}` spends its time, in process (no sockets, no load generator).

Layers, each timed sequentially over the ASGI interface of the real app:
  bare Starlette JSON endpoint < songsmith /health (framework, middleware, thread hop)
  < songsmith fetch (plus auth, store read, mapping, JSON);
then the parts of the fetch's thread work one by one, and a cProfile of that work.

    uv run python benchmarks/profile_fetch.py [--requests 2000] [--top 15]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from bench_api import stage_songsmith


async def _drive(app: Any, path: str, headers: list[tuple[bytes, bytes]], n: int) -> float:
    """Mean microseconds per request through `app` called as ASGI, one request at a time."""
    scope_base = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"bench"), *headers],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    status: list[int] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    for _ in range(min(n, 200)):  # warm caches (compiled statements, key cache, thread pool)
        await app(dict(scope_base), receive, send)
    status.clear()
    started = time.perf_counter()
    for _ in range(n):
        await app(dict(scope_base), receive, send)
    elapsed = time.perf_counter() - started
    if set(status) != {200}:
        raise RuntimeError(f"{path}: statuses {sorted(set(status))}")
    return 1e6 * elapsed / n


def _per_call_us(fn: Callable[[], object], n: int) -> float:
    for _ in range(min(n, 200)):
        fn()
    started = time.perf_counter()
    for _ in range(n):
        fn()
    return 1e6 * (time.perf_counter() - started) / n


def _bare_app() -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def task(request: Request) -> JSONResponse:
        return JSONResponse({"code": "success", "message": "", "data": {"task_id": "x"}})

    return Starlette(routes=[Route("/task/{task_id}", task)])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    n = args.requests

    from songsmith.api.app import create_app
    from songsmith.api.auth import current_key
    from songsmith.api.suno import mapping
    from songsmith.api.suno.routes import _json_bytes
    from songsmith.config import Settings
    from songsmith.services import fetch as fetch_service
    from songsmith.services.keys import KeyAuthenticator

    with tempfile.TemporaryDirectory() as data_dir:
        secret, task_id = stage_songsmith(data_dir)
        settings = Settings(
            data_dir=Path(data_dir), default_engine="testing", rate_limit_per_minute=0
        )
        app = create_app(settings)
        state = app.state.songsmith
        auth = [(b"authorization", f"Bearer {secret}".encode())]
        layers = {
            "bare_starlette_us": asyncio.run(_drive(_bare_app(), "/task/x", [], n)),
            "songsmith_health_us": asyncio.run(_drive(app, "/health", [], n)),
            "songsmith_fetch_us": asyncio.run(_drive(app, f"/suno/fetch/{task_id}", auth, n)),
        }

        # The thread work of one fetch, part by part (what `routes.fetch_one.render` runs).
        authenticator: KeyAuthenticator = state.authenticator
        key = authenticator.authenticate(secret)
        assert key is not None
        view = fetch_service.fetch_task(state.store, key.id, task_id)
        wire = mapping.envelope(mapping.task_to_wire(view.task, view.clips, state.blobs.url))

        # What current_key reads from a request: the app's state.
        request: Any = SimpleNamespace(app=SimpleNamespace(state=app.state))
        from fastapi.security import HTTPAuthorizationCredentials

        creds = HTTPAuthorizationCredentials(scheme="Bearer", credentials=secret)
        parts = {
            "auth_us": _per_call_us(lambda: current_key(request, creds), n),
            "store_read_us": _per_call_us(
                lambda: fetch_service.fetch_task(state.store, key.id, task_id), n
            ),
            "mapping_us": _per_call_us(
                lambda: mapping.task_to_wire(view.task, view.clips, state.blobs.url), n
            ),
            "json_us": _per_call_us(lambda: _json_bytes(wire), n),
        }

        def render() -> bytes:
            k = current_key(request, creds)
            v = fetch_service.fetch_task(state.store, k.id, task_id)
            return _json_bytes(
                mapping.envelope(mapping.task_to_wire(v.task, v.clips, state.blobs.url))
            )

        profile = cProfile.Profile()
        profile.enable()
        for _ in range(n):
            render()
        profile.disable()
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(args.top)
        state.store.close()

    report = {"requests": n, "layers": layers, "thread_work_parts": parts}
    sys.stdout.write(json.dumps(report, indent=2) + "\n")
    sys.stdout.write(out.getvalue())


if __name__ == "__main__":
    main()
