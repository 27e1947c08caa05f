"""Fetch throughput and latency with 64 concurrent pollers, against a bare Starlette baseline.

Both servers run the same way (uvicorn, one process, its own subprocess) and are measured in the
same run with the same load generator, so the ratio is meaningful on any machine.
Goal (issue 2): songsmith's `GET /suno/fetch/{id}` throughput >= 0.5 x the bare endpoint's.

    uv run python benchmarks/bench_api.py [--seconds 5] [--pollers 64]

Before/after a change, in the same alternation: copy `src/` somewhere first, then pass
`--before-src COPY/src`; each round then also serves the fetch route from that copy
(`songsmith_fetch_before`, `ratio_rps_before`), reading the same staged database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ---- servers (run in child processes) ---------------------------------------------------


def serve_bare(port: int) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def task(request: Request) -> JSONResponse:
        return JSONResponse({"code": "success", "message": "", "data": {"task_id": "x"}})

    app = Starlette(routes=[Route("/task/{task_id}", task)])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def serve_songsmith(port: int, data_dir: str) -> None:
    import uvicorn

    from songsmith.api.app import create_app
    from songsmith.config import Settings

    settings = Settings(
        data_dir=Path(data_dir),
        port=port,
        default_engine="testing",
        rate_limit_per_minute=0,
        log_level="warning",
    )
    try:
        from songsmith.cli import uvicorn_options

        options = uvicorn_options(settings)  # exactly what `songsmith serve` runs
    except ImportError:  # a --before-src copy older than uvicorn_options
        options = {"host": "127.0.0.1", "port": port, "log_level": "warning", "access_log": False}
    uvicorn.run(create_app(settings), **options)


def stage_songsmith(data_dir: str) -> tuple[str, str]:
    """A key and a finished 2-clip task (the full fetch payload), written through the ports."""
    import numpy as np

    from songsmith.blobs.local import LocalBlobStore
    from songsmith.config import Settings
    from songsmith.domain.request import GenerationRequest
    from songsmith.media.codecs import encode_mp3
    from songsmith.queue.sql import SqlQueue
    from songsmith.services.keys import create_key
    from songsmith.services.submit import SubmitContext, submit_music
    from songsmith.store.sql import SqlStore

    settings = Settings(data_dir=Path(data_dir), default_engine="testing")
    store = SqlStore(settings.resolved_database_url)
    queue = SqlQueue(settings.resolved_database_url)
    blobs = LocalBlobStore(settings.blob_dir, settings.resolved_public_base_url)
    key = create_key(store, "bench")
    from songsmith.engines.registry import EngineRegistry

    registry = EngineRegistry(settings)
    ctx = SubmitContext(store, queue, settings, lambda name: registry.capabilities(name))
    body = {"prompt": "[Verse]\nhello", "tags": "pop", "seed": 1}
    task_id = submit_music(
        ctx, key.key, GenerationRequest(raw=body, prompt="[Verse]\nhello", tags="pop", seed=1)
    )
    mp3 = encode_mp3(np.zeros((44100, 2), dtype=np.float32), 44100)
    task = store.get_task(task_id, None)
    assert task is not None
    for clip_id in task.clip_ids:
        store.start_clip(clip_id, 1)
        store.complete_clip(
            clip_id,
            1,
            duration=1.0,
            metadata={"bpm": 120.0},
            artifacts={"mp3": blobs.put(mp3, content_type="audio/mpeg", suffix="mp3")},
        )
    store.refresh_task(task_id)
    store.close()
    queue.close()
    return key.secret, task_id


# ---- load generator -----------------------------------------------------------------------


async def _one_connection(
    host: str, port: int, request: bytes, stop_at: float, latencies: list[float]
) -> int:
    """A keep-alive HTTP/1.1 poller on raw asyncio streams (client cost far below the server's)."""
    reader, writer = await asyncio.open_connection(host, port)
    errors = 0
    try:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            errors += not head.startswith(b"HTTP/1.1 200")
    finally:
        writer.close()
    return errors


async def _poll(url: str, headers: dict[str, str], pollers: int, seconds: float) -> dict[str, Any]:
    parsed = httpx.URL(url)
    lines = [f"GET {parsed.raw_path.decode()} HTTP/1.1", f"Host: {parsed.host}:{parsed.port}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    warm: list[float] = []
    await _one_connection(parsed.host, int(parsed.port or 80), request, time.perf_counter() + 0.5,
                          warm)  # fmt: skip
    latencies: list[float] = []
    started = time.perf_counter()
    stop_at = started + seconds
    errors = sum(
        await asyncio.gather(
            *(
                _one_connection(parsed.host, int(parsed.port or 80), request, stop_at, latencies)
                for _ in range(pollers)
            )
        )
    )
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
    }


def _wait_ready(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def _measure(args: list[str], url: str, headers: dict[str, str], pollers: int,
             seconds: float, src: str | None = None) -> dict[str, Any]:  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    if src is not None:  # PYTHONPATH wins over the venv's editable install of songsmith
        env["PYTHONPATH"] = src
    proc = subprocess.Popen([sys.executable, __file__, *args], env=env)
    try:
        _wait_ready(url, proc)
        return asyncio.run(_poll(url, headers, pollers, seconds))
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--pollers", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--serve-bare", type=int)
    parser.add_argument("--serve-songsmith", nargs=2)
    parser.add_argument("--before-src", help="a copy of src/ to measure as 'before'")
    args = parser.parse_args()
    if args.serve_bare:
        serve_bare(args.serve_bare)
        return
    if args.serve_songsmith:
        serve_songsmith(int(args.serve_songsmith[0]), args.serve_songsmith[1])
        return

    # Rounds alternate bare and songsmith so a busy machine slows both alike; the ratio is
    # computed per round and the median reported.
    rounds: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as data_dir:
        secret, task_id = stage_songsmith(data_dir)
        for _ in range(args.rounds):
            port = _free_port()
            bare = _measure(["--serve-bare", str(port)], f"http://127.0.0.1:{port}/task/x", {},
                            args.pollers, args.seconds)  # fmt: skip
            port = _free_port()
            ours = _measure(
                ["--serve-songsmith", str(port), data_dir],
                f"http://127.0.0.1:{port}/suno/fetch/{task_id}",
                {"Authorization": f"Bearer {secret}"},
                args.pollers,
                args.seconds,
            )
            # Where the time goes: the same server without auth, store or mapping.
            port = _free_port()
            health = _measure(
                ["--serve-songsmith", str(port), data_dir],
                f"http://127.0.0.1:{port}/health",
                {},
                args.pollers,
                args.seconds,
            )
            row = {
                "bare_starlette": bare, "songsmith_fetch": ours, "songsmith_health": health,
                "ratio_rps": ours["rps"] / bare["rps"],
            }  # fmt: skip
            if args.before_src:
                port = _free_port()
                before = _measure(
                    ["--serve-songsmith", str(port), data_dir],
                    f"http://127.0.0.1:{port}/suno/fetch/{task_id}",
                    {"Authorization": f"Bearer {secret}"},
                    args.pollers,
                    args.seconds,
                    src=str(Path(args.before_src).resolve()),
                )
                row["songsmith_fetch_before"] = before
                row["ratio_rps_before"] = before["rps"] / bare["rps"]
            rounds.append(row)
    result = {
        "pollers": args.pollers,
        "seconds": args.seconds,
        "rounds": rounds,
        "median_ratio_rps": statistics.median(r["ratio_rps"] for r in rounds),
        "median_ratio_rps_before": (
            statistics.median(r["ratio_rps_before"] for r in rounds) if args.before_src else None
        ),
        "goal_ratio": 0.5,
    }
    sys.stdout.write(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
