"""`JobProcess`: the worker's handle on its executor child (start, run one job, kill the group)."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

from songsmith.queue.typing import Lease
from songsmith.services.worker.protocol import LineReader, lease_to_dict, send

# numpy asks the kernel for transparent huge pages on every large array by default; the engine
# makes dozens of new 30-60 MB arrays per song and each then costs ~4x more CPU in page faults
# (measured on the 2-core CI kernel). Read by numpy at import, so set before the child starts.
# glibc gives every allocation over 32 MB its own mmap and unmaps it on free, so each song-long
# array (30-60 MB, dozens per song) was faulted in page by page again: about 2 s of system time
# per 3-minute song. With these thresholds freed memory stays in the heap for the next array and
# the next job (the process keeps its peak; it holds one job at a time). Read at process start.
HEAP_ENV = {"MALLOC_MMAP_THRESHOLD_": str(1 << 32), "MALLOC_TRIM_THRESHOLD_": str(1 << 32)}
# One job at a time per process and one worker per core: BLAS threads would only add CPU time.
ENGINE_ENV = {
    "NUMPY_MADVISE_HUGEPAGE": "0",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    **HEAP_ENV,
}


@dataclass
class Outcome:
    """How one job attempt ended, as seen by the worker."""

    kind: str  # "ok" | "failed" | "died" | "timeout" | "stopped" (wait() returned on request)
    retry: bool = True
    error_type: str = "internal"
    message: str = ""


class JobProcess:
    def __init__(self, settings_json: str, preload: list[str], startup_timeout_s: float = 600.0):
        self.settings_json = settings_json
        self.preload = preload
        self.startup_timeout_s = startup_timeout_s
        self.proc: subprocess.Popen[bytes] | None = None
        self._to_child = -1
        self._reader: LineReader | None = None

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> None:
        child_in, parent_out = os.pipe()
        parent_in, child_out = os.pipe()
        cmd = [
            sys.executable,
            "-m",
            "songsmith.services.worker.executor",
            "--in",
            str(child_in),
            "--out",
            str(child_out),
            "--parent",
            str(os.getpid()),
        ]
        self.proc = subprocess.Popen(
            cmd,
            pass_fds=(child_in, child_out),
            start_new_session=True,
            close_fds=True,
            env={**ENGINE_ENV, **os.environ},  # the operator's own values win
        )
        os.close(child_in)
        os.close(child_out)
        self._to_child = parent_out
        self._reader = LineReader(parent_in)
        send(self._to_child, {"settings": self.settings_json, "preload": self.preload})
        deadline = time.monotonic() + self.startup_timeout_s
        while True:
            message = self._next(deadline)
            if message is None:
                code = self.kill()
                raise RuntimeError(f"The job process failed to start (exit code {code}).")
            if message.get("ready"):
                return

    def _next(self, deadline: float) -> dict[str, Any] | None:
        """The next message before `deadline`, or None on EOF / timeout."""
        assert self._reader is not None
        pending: list[dict[str, Any]] = []
        while not pending:
            left = deadline - time.monotonic()
            if left <= 0 or self._reader.eof:
                return None
            ready, _, _ = select.select([self._reader.fd], [], [], min(left, 0.2))
            if ready:
                pending = self._reader.read_available()
        return pending[0]

    def run(self, lease: Lease, deadline: float, should_stop: Any) -> Outcome:
        """Send the job and wait for its result until `deadline` (monotonic) or should_stop()."""
        assert self._reader is not None
        send(self._to_child, {"lease": lease_to_dict(lease)})
        while True:
            if should_stop():
                return Outcome("stopped")
            left = deadline - time.monotonic()
            if left <= 0:
                return Outcome("timeout", retry=False, error_type="timeout")
            ready, _, _ = select.select([self._reader.fd], [], [], min(left, 0.2))
            if not ready:
                continue
            messages = self._reader.read_available()
            for message in messages:
                if message.get("ok"):
                    return Outcome("ok")
                if "ok" in message:
                    return Outcome(
                        "failed",
                        retry=bool(message.get("retry", True)),
                        error_type=str(message.get("error_type") or "internal"),
                        message=str(message.get("message") or ""),
                    )
            if self._reader.eof:
                code = self.wait_exit(5.0)
                return Outcome("died", message=f"The job process died (exit code {code}).")

    def wait_exit(self, timeout_s: float) -> int | None:
        if self.proc is None:
            return None
        try:
            return self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            return self.kill()

    def kill(self) -> int | None:
        """SIGKILL the job process and everything in its process group; reap it."""
        if self.proc is None:
            return None
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()
        code = self.proc.wait()
        self.close()
        return code

    def stop(self, timeout_s: float = 5.0) -> None:
        """Ask politely (EOF on its input), then kill."""
        if self.proc is None:
            return
        self._close_fd()
        try:
            self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            pass
        self.kill()

    def _close_fd(self) -> None:
        if self._to_child >= 0:
            with contextlib.suppress(OSError):
                os.close(self._to_child)
            self._to_child = -1

    def close(self) -> None:
        self._close_fd()
        if self._reader is not None:
            with contextlib.suppress(OSError):
                os.close(self._reader.fd)
            self._reader = None
        self.proc = None
