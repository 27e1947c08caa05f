"""`Supervisor`: the N worker processes `songsmith serve` starts, restarts and stops."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from songsmith.config import Settings

log = logging.getLogger("songsmith.supervisor")

RESTART_BACKOFF_MAX_S = 30.0
# The environment variable a worker reads its settings (JSON) from.
SETTINGS_ENV = "SONGSMITH_WORKER_SETTINGS_JSON"
STABLE_AFTER_S = 60.0  # a worker up this long is healthy again: its backoff resets
_CHECK_EVERY_S = 0.5


class Supervisor:
    """Starts `n` `python -m songsmith.services.worker` processes that die with this process.

    Settings travel as JSON in the environment (not argv, which `ps` shows) so flags given to
    `serve`, not only environment variables, reach the workers.
    """

    def __init__(
        self,
        settings: Settings,
        n: int,
        *,
        engine_names: list[str] | None = None,
        stop_timeout_s: float = 30.0,
    ) -> None:
        self.settings = settings
        self.n = n
        self.engine_names = engine_names or _engines_in_use(settings)
        self.stop_timeout_s = stop_timeout_s
        self.procs: list[subprocess.Popen[bytes] | None] = [None] * n
        self.restarts = 0
        self._failures = [0] * n
        self._next_start = [0.0] * n
        self._started_at = [0.0] * n
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._monitor: threading.Thread | None = None

    def _spawn(self, slot: int) -> subprocess.Popen[bytes]:
        cmd = [
            sys.executable,
            "-m",
            "songsmith.services.worker",
            "--engines",
            ",".join(self.engine_names),
            "--parent",
            str(os.getpid()),
            "--worker-id",
            f"{os.uname().nodename}:serve{os.getpid()}:w{slot}",
        ]
        env = {**os.environ, SETTINGS_ENV: self.settings.model_dump_json()}
        proc = subprocess.Popen(cmd, env=env)
        self._started_at[slot] = time.monotonic()
        log.info("started worker %d (pid %d)", slot, proc.pid)
        return proc

    def start(self) -> None:
        with self._lock:
            for slot in range(self.n):
                self.procs[slot] = self._spawn(slot)
        self._monitor = threading.Thread(
            target=self._watch, name="songsmith-supervisor", daemon=True
        )
        self._monitor.start()

    def _watch(self) -> None:
        while not self._stop.wait(_CHECK_EVERY_S):
            with self._lock:
                if self._stop.is_set():
                    return
                for slot, proc in enumerate(self.procs):
                    if proc is None or proc.poll() is None:
                        continue
                    now = time.monotonic()
                    if now < self._next_start[slot]:
                        continue
                    log.warning("worker %d exited with %s; restarting", slot, proc.returncode)
                    if now - self._started_at[slot] > STABLE_AFTER_S:
                        self._failures[slot] = 0
                    self._failures[slot] += 1
                    # A crash loop backs off instead of spinning.
                    delay = min(RESTART_BACKOFF_MAX_S, 0.5 * 2 ** (self._failures[slot] - 1))
                    self._next_start[slot] = now + delay
                    self.procs[slot] = self._spawn(slot)
                    self.restarts += 1

    def pids(self) -> list[int]:
        with self._lock:
            return [p.pid for p in self.procs if p is not None and p.poll() is None]

    def stop(self) -> None:
        """SIGTERM every worker (they finish or release their job), then SIGKILL stragglers."""
        self._stop.set()
        if self._monitor is not None:
            self._monitor.join(5.0)
        with self._lock:
            live = [p for p in self.procs if p is not None and p.poll() is None]
            for proc in live:
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + self.stop_timeout_s
            for proc in live:
                try:
                    proc.wait(max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def _engines_in_use(settings: Settings) -> list[str]:
    names = {settings.default_engine}
    names.update(spec.partition(":")[0] for spec in settings.mv_engines.values())
    return sorted(names)
