"""Reliability scenarios over real worker processes, at any count.

CI runs each at a small count (tests/reliability/test_*.py); `scripts/soak_embedded.py` runs the
full counts of reliability-security.md. Every scenario ends with an `Audit` of the tasks it
accepted: lost, stuck, double-completed and orphan files must all be 0.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import random
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from songsmith_worker_helpers import (
    descendants,
    processes_with_marker,
    start_worker,
    stop_process_group,
    submit_music,
    wait_for,
    wait_terminal,
)
from sqlalchemy import select

from songsmith.blobs.local import BLOB_ID_RE, LocalBlobStore
from songsmith.config import Settings
from songsmith.domain.statuses import ClipStatus, TaskStatus
from songsmith.queue.sql import SqlQueue
from songsmith.store.schema import clips, jobs
from songsmith.store.sql import SqlStore

HERE = Path(__file__).resolve().parent
SERVE_LIKE = HERE / "serve_like.py"
WRITER = HERE / "write_forever.py"
Log = Callable[[str], None]


@dataclass
class Audit:
    accepted: int = 0
    success: int = 0
    failure: int = 0
    lost: int = 0  # accepted, then gone from the store
    stuck: int = 0  # not terminal when the deadline passed
    # a clip completed outside one attempt its job's queue row knows of: the job is not done, or
    # the clip holds a newer attempt than the queue ever issued. (A clip completed by attempt 1
    # whose job was then closed by attempt 2 is fine: attempt 2 found it complete and did
    # nothing, which is at-least-once execution with exactly-once effects.)
    double_completed: int = 0
    orphan_files: int = 0  # blob or temp files no clip references
    corrupt: int = 0  # integrity_check not ok, or a partial file under a final name
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        return not (
            self.lost or self.stuck or self.double_completed or self.orphan_files or self.corrupt
        )

    def line(self) -> str:
        extra = " ".join(f"{k}={v}" for k, v in self.extra.items())
        return (
            f"accepted={self.accepted} success={self.success} failure={self.failure} "
            f"lost={self.lost} stuck={self.stuck} double_completed={self.double_completed} "
            f"orphan_files={self.orphan_files} corrupt={self.corrupt} {extra}"
        ).strip()


def open_db(settings: Settings) -> tuple[SqlStore, SqlQueue]:
    url = settings.resolved_database_url
    return SqlStore(url), SqlQueue(url, max_attempts=settings.max_attempts)


def orphan_files(store: SqlStore, settings: Settings) -> list[str]:
    """Blob files no clip references, plus temp files of unfinished writes."""
    with store.engine.connect() as conn:
        referenced = {
            str(blob)
            for (artifacts,) in conn.execute(select(clips.c.artifacts))
            for blob in (artifacts or {}).values()
        }
    root = settings.blob_dir
    if not root.exists():
        return []
    found = []
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        if path.parent.name == "tmp" or (
            BLOB_ID_RE.match(path.name) and path.name not in referenced
        ):
            found.append(str(path.relative_to(root)))
    return sorted(found)


def audit(
    store: SqlStore, queue: SqlQueue, settings: Settings, task_ids: list[str], expect_success: bool
) -> Audit:
    result = Audit(accepted=len(task_ids))
    # a task turns terminal a moment before its job is marked done
    wait_for(lambda: not running_jobs(queue), settings.lease_s + 10, 0.05)
    for task_id in task_ids:
        task = store.get_task(task_id, None)
        if task is None:
            result.lost += 1
            continue
        if not task.status.terminal:
            result.stuck += 1
            continue
        if task.status is TaskStatus.SUCCESS:
            result.success += 1
        else:
            result.failure += 1
        by_clip = {j["clip_id"]: j for j in queue.jobs_for_task(task_id)}
        for clip in store.get_clips(task_id):
            job = by_clip.get(clip.id)
            if clip.status is ClipStatus.COMPLETE and (
                job is None or job["state"] != "done" or not 1 <= clip.attempt <= job["token"]
            ):
                result.double_completed += 1
    if expect_success and result.failure:
        result.extra["unexpected_failures"] = result.failure
    result.orphan_files = len(orphan_files(store, settings))
    return result


def wait_no_orphans(store: SqlStore, settings: Settings, timeout_s: float) -> None:
    """The reaper's janitor runs every `reaper_interval_s`: give it a few passes."""
    wait_for(lambda: orphan_files(store, settings) == [], timeout_s, 0.25)


def running_jobs(queue: SqlQueue) -> list[dict[str, Any]]:
    with queue.engine.connect() as conn:
        rows = conn.execute(select(jobs).where(jobs.c.state == "running")).all()
    return [dict(r._mapping) for r in rows]


def kill_quietly(pid: int, sig: int = signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


# --- R4: pause a worker past its lease ---------------------------------------------------------


def write_lock_free(db: Path) -> bool:
    """True when no process holds SQLite's write lock (probe with a short timeout)."""
    conn = sqlite3.connect(db, timeout=0.5, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        conn.close()


def pause_tree(pid: int, db: Path) -> list[int]:
    """SIGSTOP a worker and its job process outside any write transaction.

    A process frozen while it holds SQLite's single write lock stops every writer: that is the
    embedded mode's limit, not the stale-lease case R4 is about, so such a pause is undone and
    tried again a moment later.
    """
    for _ in range(200):
        pids = [pid, *descendants(pid)]
        for p in pids:
            kill_quietly(p, signal.SIGSTOP)
        if write_lock_free(db):
            return pids
        resume(pids)
        time.sleep(random.uniform(0.01, 0.05))
    raise RuntimeError(f"could not pause {pid} outside a write transaction")


def resume(pids: list[int]) -> None:
    for p in reversed(pids):
        kill_quietly(p, signal.SIGCONT)


def blob_names(settings: Settings) -> set[str]:
    root = settings.blob_dir
    if not root.exists():
        return set()
    return {p.name for p in root.rglob("*") if p.is_file() and BLOB_ID_RE.match(p.name)}


def r4_pause_resume(settings: Settings, rounds: int, pausers: int = 1, log: Log = print) -> Audit:
    """Each round: `pausers` workers A claim a slow job each and are SIGSTOPped mid-render; worker
    B (paused meanwhile) is resumed, its reaper requeues the expired leases and B finishes every
    job; then the As resume. Their results must be rejected, one result per task, and none of
    their blobs referenced (or left on disk)."""
    store, queue = open_db(settings)
    db = settings.data_dir / "songsmith.db"
    render_s = 1.0
    b = start_worker(settings, "--worker-id", "r4-B")
    a_workers = [start_worker(settings, "--worker-id", f"r4-A{i}") for i in range(pausers)]
    task_ids: list[str] = []
    problems: list[str] = []
    started = time.monotonic()
    try:
        b_pids = pause_tree(b.pid, db)
        for round_no in range(rounds):
            batch = [
                submit_music(
                    store,
                    queue,
                    n_clips=1,
                    seed=round_no * 100 + i,
                    tags=f"testing testing:slow={render_s:g}",
                    duration_s=2.0,
                )
                for i in range(pausers)
            ]
            task_ids += batch
            clip_ids = [store.get_clips(t)[0].id for t in batch]

            def rendering(ids: list[str] = clip_ids) -> bool:
                found = [store.get_clip(c, None) for c in ids]
                return all(c is not None and c.progress > 0 and c.attempt == 1 for c in found)

            if not wait_for(rendering, 60, 0.02):
                problems.append(f"round {round_no}: the A workers never started rendering")
                break
            a_pids = [pause_tree(a.pid, db) for a in a_workers]
            a_blobs = blob_names(settings)  # what the paused attempts had written so far
            resume(b_pids)
            budget = settings.lease_s + 2 * settings.reaper_interval_s + 30 * pausers
            tasks = wait_terminal(store, batch, budget)
            for pids in a_pids:
                resume(pids)
            b_pids = []
            if not all(t.status is TaskStatus.SUCCESS for t in tasks):
                problems.append(f"round {round_no}: not all tasks succeeded")
            for task_id in batch:
                (job,) = queue.jobs_for_task(task_id)
                (clip,) = store.get_clips(task_id)
                if job["worker_id"] != "r4-B" or clip.attempt != job["token"] or job["token"] < 2:
                    problems.append(f"round {round_no}: {task_id} finished by {job['worker_id']}")
                if a_blobs & set(clip.artifacts.values()):
                    problems.append(f"round {round_no}: a paused attempt's blob is referenced")
            # the As wake up, find their leases gone, and their leftovers are collected
            wait_no_orphans(store, settings, settings.lease_s + 10)
            if round_no + 1 < rounds:
                wait_for(lambda: not running_jobs(queue), 10, 0.05)
                b_pids = pause_tree(b.pid, db)
            if (round_no + 1) % 10 == 0:
                log(f"  R4 round {round_no + 1}/{rounds} ({time.monotonic() - started:.0f} s)")
        result = audit(store, queue, settings, task_ids, expect_success=True)
    finally:
        for proc in [b, *a_workers]:
            resume([proc.pid, *descendants(proc.pid)])
            stop_process_group(proc)
        store.close()
        queue.close()
    result.extra["pauses"] = len(task_ids)
    result.extra["stale_results_accepted"] = len(problems)
    if problems:
        result.extra["problems"] = problems[:5]
    return result


# --- R1: SIGKILL workers at random phases, and whole servers ------------------------------------


def r1_worker_kills(settings: Settings, kills: int, seed: int = 1, log: Log = print) -> Audit:
    """SIGKILL a worker (or its job process) holding a job, after a random delay that lands
    after the claim, mid-render, mid-write of the outputs or just before the commit; a fresh
    worker replaces a killed one. Only first and second attempts are killed, so every task
    must end SUCCESS."""
    rng = random.Random(seed)
    store, queue = open_db(settings)
    workers: dict[str, subprocess.Popen[bytes]] = {}
    serial = 0

    def spawn() -> None:
        nonlocal serial
        serial += 1
        wid = f"r1-w{serial}"
        workers[wid] = start_worker(settings, "--worker-id", wid)

    spawn()
    spawn()
    task_ids: list[str] = []
    done = 0
    phases = {"worker": 0, "job_process": 0}
    started = time.monotonic()
    try:
        while done < kills:
            open_tasks = store.count_open_tasks("key_test")
            for _ in range(max(0, 4 - open_tasks)):
                task_ids.append(
                    submit_music(
                        store,
                        queue,
                        n_clips=1,
                        seed=len(task_ids),
                        tags="testing testing:slow=1",
                        duration_s=1.5,
                    )
                )
            held = [
                j
                for j in running_jobs(queue)
                if j["worker_id"] in workers and j["attempts"] < settings.max_attempts
            ]
            if not held:
                time.sleep(0.05)
                continue
            wid = rng.choice(held)["worker_id"]
            time.sleep(rng.uniform(0.0, 2.2))
            now = [j for j in running_jobs(queue) if j["worker_id"] == wid]
            if now and now[0]["attempts"] >= settings.max_attempts:
                continue  # it moved on to a last attempt: killing it would fail the task
            proc = workers[wid]
            if rng.random() < 0.3 and (children := descendants(proc.pid)):
                for pid in children:  # the job process (and anything it started)
                    kill_quietly(pid)
                phases["job_process"] += 1
            else:
                kill_quietly(proc.pid)
                proc.wait()
                del workers[wid]
                spawn()
                phases["worker"] += 1
            done += 1
            if done % 20 == 0:
                log(f"  R1 kills {done}/{kills} ({time.monotonic() - started:.0f} s)")
        budget = settings.lease_s + settings.reaper_interval_s + settings.job_timeout_s + 60
        wait_terminal(store, task_ids, budget)
        wait_no_orphans(store, settings, settings.lease_s + 10)
        result = audit(store, queue, settings, task_ids, expect_success=True)
    finally:
        for proc in workers.values():
            stop_process_group(proc)
        store.close()
        queue.close()
    result.extra.update(kills=done, **{f"killed_{k}": v for k, v in phases.items()})
    return result


def start_serve_like(settings: Settings, n_workers: int = 2) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(SERVE_LIKE), settings.model_dump_json(), str(n_workers)],
        start_new_session=True,
    )


def stop_serve_like(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(60)
    except subprocess.TimeoutExpired:
        pass
    stop_process_group(server, signal.SIGKILL)


def r1_server_kills(settings: Settings, kills: int, seed: int = 2, log: Log = print) -> Audit:
    """SIGKILL the whole serve-like process tree (server, workers, job processes) while jobs
    run, restart it, repeat; then let the last one finish everything."""
    rng = random.Random(seed)
    store, queue = open_db(settings)
    task_ids: list[str] = []
    server = None
    try:
        for i in range(kills):
            for _ in range(3):
                task_ids.append(
                    submit_music(
                        store,
                        queue,
                        n_clips=1,
                        seed=10_000 + len(task_ids),
                        tags="testing testing:slow=1",
                        duration_s=1.0,
                    )
                )
            server = start_serve_like(settings)
            wait_for(lambda: bool(running_jobs(queue)), 60, 0.05)
            time.sleep(rng.uniform(0.0, 2.0))
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
            if (i + 1) % 5 == 0:
                log(f"  R1 server kills {i + 1}/{kills}")
        server = start_serve_like(settings)
        budget = settings.lease_s + settings.reaper_interval_s + 120
        wait_terminal(store, task_ids, budget)
        wait_no_orphans(store, settings, settings.lease_s + 10)
        # a task may die of 3 server kills in a row: that is R2's rule working, not a loss
        result = audit(store, queue, settings, task_ids, expect_success=False)
    finally:
        if server is not None:
            stop_serve_like(server)
        store.close()
        queue.close()
    result.extra["server_kills"] = kills
    return result


# --- R2, R3 ------------------------------------------------------------------------------------


def r2_poison(settings: Settings, behind: int) -> Audit:
    """A job that kills its job process on every attempt, with `behind` jobs queued after it."""
    store, queue = open_db(settings)
    poison = submit_music(store, queue, n_clips=1, tags="testing:crash")
    others = [submit_music(store, queue, n_clips=1, seed=100 + i) for i in range(behind)]
    workers = [start_worker(settings, "--worker-id", f"r2-w{i}") for i in range(2)]
    try:
        tasks = wait_terminal(store, [poison, *others], 60 + 10 * behind)
        wait_no_orphans(store, settings, settings.lease_s + 10)
        result = audit(store, queue, settings, others, expect_success=True)
        (job,) = queue.jobs_for_task(poison)
        poison_ok = (
            tasks[0].status is TaskStatus.FAILURE
            and job["attempts"] == 3
            and "3 attempts" in tasks[0].fail_reason
        )
        result.extra.update(poison_failed_after_3=poison_ok, poison_attempts=job["attempts"])
        if not poison_ok:
            result.stuck += 1
    finally:
        for proc in workers:
            stop_process_group(proc)
        store.close()
        queue.close()
    return result


def r3_hang(settings: Settings) -> Audit:
    """A job that hangs, ignores SIGTERM and has a child: FAILURE (timeout) within the job limit
    + 10 s, and no process of it survives."""
    store, queue = open_db(settings)
    marker = "SONGSMITH_R3_" + secrets.token_hex(6)
    os.environ[marker] = "1"
    try:
        task_id = submit_music(store, queue, n_clips=1, tags="testing:hang")
        worker = start_worker(settings)
        try:
            wait_for(lambda: queue.running() == 1, 60, 0.05)
            claimed = time.monotonic()
            (task,) = wait_terminal(store, [task_id], settings.job_timeout_s + 15)
            elapsed = time.monotonic() - claimed
            # the worker and its fresh job process remain; the hung job and its child do not
            gone = wait_for(lambda: len(processes_with_marker(marker)) == 2, 10)
        finally:
            stop_process_group(worker, signal.SIGTERM)
        left = processes_with_marker(marker)
        result = audit(store, queue, settings, [task_id], expect_success=False)
        on_time = task.status is TaskStatus.FAILURE and elapsed <= settings.job_timeout_s + 10
        result.extra.update(
            timed_out_in_s=round(elapsed, 1), on_time=on_time, survivors=len(left), reaped=gone
        )
        if not on_time or left:
            result.stuck += 1
    finally:
        del os.environ[marker]
        store.close()
        queue.close()
    return result


# --- R5: SIGKILL during database and file writes -----------------------------------------------


def r5_write_kills(folder: Path, kills: int, seed: int = 5, log: Log = print) -> Audit:
    """SIGKILL a process that writes tasks, clip updates and blobs in a loop, `kills` times; then
    `PRAGMA integrity_check`, every committed task present, every final blob whole."""
    from write_forever import BLOB_SIZE

    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "songsmith.db"
    url = f"sqlite:///{db}"
    SqlStore(url).close()
    log_file = folder / "committed.log"
    log_file.touch()
    started = time.monotonic()
    for i in range(kills):
        before = len(log_file.read_text().split())
        proc = subprocess.Popen(
            [sys.executable, str(WRITER), url, str(folder / "blobs"), str(log_file)]
        )

        def writing(before: int = before) -> bool:
            return len(log_file.read_text().split()) > before + 1

        wait_for(writing, 30, 0.02)
        time.sleep(rng.uniform(0.0, 0.3))
        proc.kill()
        proc.wait()
        if (i + 1) % 50 == 0:
            log(f"  R5 kills {i + 1}/{kills} ({time.monotonic() - started:.0f} s)")
    with sqlite3.connect(db) as conn:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    committed = log_file.read_text().split()
    result = Audit(accepted=len(committed))
    store = SqlStore(url)
    try:
        for task_id in committed:
            task = store.get_task(task_id, None)
            if task is None or task.request != {"prompt": "x" * 500}:
                result.lost += 1
            elif task.status is TaskStatus.SUCCESS:
                result.success += 1
    finally:
        store.close()
    finals = [p for p in (folder / "blobs").rglob("*") if p.is_file() and BLOB_ID_RE.match(p.name)]
    partial = [p for p in finals if p.stat().st_size != BLOB_SIZE]
    with sqlite3.connect(db) as conn:
        referenced = {
            blob
            for (artifacts,) in conn.execute("SELECT artifacts FROM clips")
            for blob in json.loads(artifacts or "{}").values()
        }
    # The victim writes through the bare LocalBlobStore, not the pipeline's per-attempt journal,
    # so nothing collects its leftovers: counted apart (not as orphan_files of the pipeline).
    result.extra.update(
        integrity_check=integrity,
        kills=kills,
        final_blobs=len(finals),
        partial_finals=len(partial),
        unjournaled_unreferenced_finals=len([p for p in finals if p.name not in referenced]),
        unjournaled_temp_files=len(list((folder / "blobs" / "tmp").glob("*.part"))),
    )
    if integrity != "ok" or partial:
        result.corrupt += len(partial) + (integrity != "ok")
    return result


# --- R5: a full disk ---------------------------------------------------------------------------


class TinyDiskBlobStore(LocalBlobStore):
    """A blob folder on a "filesystem" of `capacity` bytes: a write that would not fit raises
    ENOSPC where the kernel would (mid-write). The full disk is the edge of the world."""

    capacity = 10**12

    def check_space(self, nbytes: int) -> None:
        used = sum(p.stat().st_size for p in self.root.rglob("*") if p.is_file())
        if used + nbytes > self.capacity:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def r5_disk_full(settings: Settings, tight_capacity: int = 40_000) -> Audit:
    """A clip whose outputs do not fit fails cleanly (clear message, nothing partial or orphan
    left); the same worker context, not restarted, succeeds once space is back."""
    from songsmith.domain.errors import GenerationFailed
    from songsmith.engines.registry import EngineRegistry
    from songsmith.services.pipeline import PipelineContext, execute, finish_failed

    store, queue = open_db(settings)
    blobs = TinyDiskBlobStore(settings.blob_dir, "http://test")
    ctx = PipelineContext(settings, store, blobs, EngineRegistry(settings))

    def run_one(seed: int) -> str:
        """Claim and run one job the way a worker does; returns the task id."""
        task_id: str = submit_music(store, queue, n_clips=1, duration_s=2.0, seed=seed)
        lease = queue.claim("w", ["testing"], 30.0)
        assert lease is not None
        try:
            execute(ctx, lease)
        except GenerationFailed as exc:
            queue.fail(lease, exc.message, retry=False)
            finish_failed(store, lease.spec, exc.error_type, exc.message, settings)
        else:
            queue.complete(lease)
        return task_id

    try:
        blobs.capacity = tight_capacity
        full = run_one(1)
        blobs.capacity = 10**12  # space is back; no restart
        fine = run_one(2)
        result = audit(store, queue, settings, [full, fine], expect_success=False)
        (clip,) = store.get_clips(full)
        result.extra.update(
            full_error_type=clip.metadata.get("error_type"),
            full_message=clip.metadata.get("error_message"),
            temp_files=len(list((blobs.root / "tmp").iterdir())),
            recovered=result.success == 1,
        )
        if clip.metadata.get("error_type") != "storage_full" or result.success != 1:
            result.stuck += 1
    finally:
        store.close()
        queue.close()
    return result
