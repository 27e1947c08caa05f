"""`songsmith serve` as a real subprocess for the e2e tests: started, awaited, stopped."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve_process(
    data_dir: Path, env: dict[str, str], *, name: str, ready_timeout_s: float = 60.0
) -> Iterator[dict[str, Any]]:
    """Run `songsmith serve` with 2 workers on a free port until /ready answers 200.

    Yields base URL, data dir, log path and process; the log is in the failure message when the
    server never becomes ready. Stopped with SIGTERM (SIGKILL after 30 s) on exit.
    """
    port = free_port()
    log_path = data_dir.parent / f"serve-{name}-{port}.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from songsmith.cli import app; app()", "serve",
             "--port", str(port), "--data-dir", str(data_dir), "--workers", "2"],
            env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + ready_timeout_s
        while True:
            try:
                if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("serve did not become ready:\n" + log_path.read_text())
            time.sleep(0.2)
        yield {"base": base, "data_dir": data_dir, "log": log_path, "proc": proc}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
