"""`run_worker`: claim jobs, run each in the job process under a deadline, settle the queue.

The worker process itself never runs engine code: a job that crashes, hangs or ignores SIGTERM
takes down only the job process (restarted for the next job), so the worker can always report
the outcome, release its lease on shutdown and keep heartbeating.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import socket
import threading
import time
from typing import TYPE_CHECKING, Protocol, TypeVar

from songsmith.services.worker.db_retry import DatabaseGaveUp, retry_database
from songsmith.services.worker.job_process import JobProcess, Outcome
from songsmith.services.worker.reaper import make_sweep, run_reaper_once

if TYPE_CHECKING:
    from collections.abc import Callable

    from songsmith.config import Settings
    from songsmith.queue.typing import Lease, Queue
    from songsmith.store.typing import Store

log = logging.getLogger("songsmith.worker")

LYRICS_QUEUE = "lyrics"  # task-level lyrics jobs: any worker takes them
IDLE_POLL_S = 0.025  # submit-to-claim p99 budget is 100 ms; an idle peek is a cheap read
DB_RETRY_S = 1.0

T = TypeVar("T")


class StopEvent(Protocol):
    def is_set(self) -> bool: ...
    def set(self) -> None: ...
    def wait(self, timeout: float | None = None) -> bool: ...


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class _Heartbeat(threading.Thread):
    """Extends the lease while the job runs; notices when the lease is lost."""

    def __init__(self, queue: Queue, lease: Lease, lease_s: float, every_s: float) -> None:
        super().__init__(name="songsmith-heartbeat", daemon=True)
        self.queue, self.lease, self.lease_s, self.every_s = queue, lease, lease_s, every_s
        self.lost = threading.Event()
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(self.every_s):
            try:
                if not self.queue.heartbeat(self.lease, self.lease_s):
                    self.lost.set()
                    return
            except Exception:  # the database blinked: try again next beat
                log.warning("heartbeat for job %s failed", self.lease.job_id, exc_info=True)

    def finish(self) -> None:
        self._done.set()
        self.join(5.0)


class Worker:
    def __init__(
        self,
        settings: Settings,
        *,
        engine_names: list[str],
        worker_id: str | None = None,
        stop_event: StopEvent | None = None,
        store: Store | None = None,
        queue: Queue | None = None,
        reap: bool = True,
        shutdown_grace_s: float = 30.0,
    ) -> None:
        from songsmith.queue.factory import make_queue
        from songsmith.store.sql import SqlStore

        self.settings = settings
        self.engine_names = list(engine_names)
        self.queues = [*self.engine_names, LYRICS_QUEUE]
        self.worker_id = worker_id or default_worker_id()
        self.stop_event: StopEvent = stop_event or threading.Event()
        url = settings.resolved_database_url
        self.store: Store = store or SqlStore(url)
        self.queue: Queue = queue or make_queue(settings)
        self.reap = reap
        self.shutdown_grace_s = shutdown_grace_s
        # Engines load in the job process before the first claim and stay warm across jobs.
        self.jobs = JobProcess(settings.model_dump_json(), preload=self.engine_names)
        self._stopping_since: float | None = None

    # --- lifecycle ---------------------------------------------------------------------------
    def run(self) -> None:
        reaper = None
        if self.reap:
            reaper = threading.Thread(target=self._reap_loop, name="songsmith-reaper", daemon=True)
            reaper.start()
        log.info("worker %s serving queues %s", self.worker_id, self.queues)
        try:
            while not self.stop_event.is_set():
                if not self._ensure_job_process():
                    continue
                try:
                    lease = self.queue.claim(self.worker_id, self.queues, self.settings.lease_s)
                except Exception:
                    log.warning("claim failed; retrying", exc_info=True)
                    self.stop_event.wait(DB_RETRY_S)
                    continue
                if lease is None:
                    self.stop_event.wait(IDLE_POLL_S)
                    continue
                self._run_one(lease)
        finally:
            self.jobs.stop()
            if reaper is not None:
                reaper.join(2.0)
            log.info("worker %s stopped", self.worker_id)

    def _ensure_job_process(self) -> bool:
        """Start the job process before claiming: its start-up is not the job's time."""
        if self.jobs.alive:
            return True
        try:
            self.jobs.start()
        except Exception:
            log.exception("the job process failed to start; retrying")
            self.stop_event.wait(DB_RETRY_S)
            return False
        return True

    def _reap_loop(self) -> None:
        sweep = make_sweep(self.settings)
        while not self.stop_event.wait(self.settings.reaper_interval_s):
            try:
                run_reaper_once(self.store, self.queue, self.settings, sweep=sweep)
            except Exception:
                log.warning("reaper pass failed", exc_info=True)

    def _should_stop(self) -> bool:
        """Shutdown lets the job in flight finish, within a grace period."""
        if not self.stop_event.is_set():
            return False
        if self._stopping_since is None:
            self._stopping_since = time.monotonic()
        return time.monotonic() - self._stopping_since > self.shutdown_grace_s

    # --- one job -----------------------------------------------------------------------------
    def _run_one(self, lease: Lease) -> None:
        settings = self.settings
        started = time.monotonic()
        heartbeat = _Heartbeat(self.queue, lease, settings.lease_s, settings.heartbeat_s)
        heartbeat.start()
        try:
            if not self.jobs.alive:
                self.jobs.start()
            deadline = started + settings.job_timeout_s
            outcome = self.jobs.run(
                lease, deadline, lambda: heartbeat.lost.is_set() or self._should_stop()
            )
        except Exception as exc:  # could not even start the job process
            log.exception("job %s could not run", lease.job_id)
            outcome = Outcome("died", message=f"The job process could not start: {exc}")
        finally:
            heartbeat.finish()
        if outcome.kind != "ok" and outcome.kind != "failed":
            self.jobs.kill()  # no stray process may outlive the attempt
        log.info(
            "job %s (%s) attempt %d: %s in %.2f s",
            lease.job_id,
            lease.spec.kind,
            lease.attempt,
            outcome.kind,
            time.monotonic() - started,
        )
        try:
            self._settle(lease, outcome, lost=heartbeat.lost.is_set())
        except DatabaseGaveUp:  # shutting down during an outage: the lease expires, it reruns
            log.warning("job %s left unsettled: the database is unavailable", lease.job_id)

    def _db(self, call: Callable[[], T], what: str) -> T:
        """Settling during a database outage retries with backoff; it never ends the worker."""
        return retry_database(call, what=what, give_up=self._should_stop, sleep=self._pause)

    def _pause(self, seconds: float) -> None:
        if self.stop_event.is_set():  # wait() no longer blocks: keep the backoff spaced
            time.sleep(seconds)
        else:
            self.stop_event.wait(seconds)

    def _settle(self, lease: Lease, outcome: Outcome, *, lost: bool) -> None:
        from songsmith.services.pipeline import finish_failed

        if outcome.kind == "ok":
            self._db(lambda: self.queue.complete(lease), f"completing job {lease.job_id}")
            return
        if outcome.kind == "stopped":
            if not lost:  # graceful shutdown: hand the job back, the attempt does not count
                self._db(lambda: self.queue.release(lease), f"releasing job {lease.job_id}")
            return
        if outcome.kind == "timeout":
            message = f"The job ran longer than its {self.settings.job_timeout_s:g} s limit."
            dead = self._db(
                lambda: self.queue.fail(lease, message, retry=False), f"failing job {lease.job_id}"
            )
            if dead is not None:
                self._db(
                    lambda: finish_failed(
                        self.store, lease.spec, "timeout", message, self.settings
                    ),
                    f"failing the clip of job {lease.job_id}",
                )
            return
        dead = self._db(
            lambda: self.queue.fail(lease, outcome.message, retry=outcome.retry),
            f"failing job {lease.job_id}",
        )
        if dead is None:
            return
        if outcome.retry:
            message = f"Failed after {dead.attempts} attempts: {outcome.message}"
        else:
            message = outcome.message
        self._db(
            lambda: finish_failed(
                self.store, lease.spec, outcome.error_type, message, self.settings
            ),
            f"failing the clip of job {lease.job_id}",
        )


def run_worker(
    settings: Settings,
    *,
    engine_names: list[str],
    worker_id: str | None = None,
    stop_event: StopEvent | None = None,
    handle_signals: bool = True,
    reap: bool = True,
    shutdown_grace_s: float = 30.0,
) -> None:
    """Run a worker until `stop_event` is set (or SIGTERM/SIGINT when `handle_signals`)."""
    event: StopEvent = stop_event or threading.Event()
    if handle_signals and threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: event.set())
    Worker(
        settings,
        engine_names=engine_names,
        worker_id=worker_id,
        stop_event=event,
        reap=reap,
        shutdown_grace_s=shutdown_grace_s,
    ).run()
