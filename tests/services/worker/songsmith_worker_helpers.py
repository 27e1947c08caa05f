"""Helpers shared by the worker and reliability tests (imported by path: tests have no package)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from songsmith.config import Settings
from songsmith.domain.models import Clip, Task
from songsmith.domain.statuses import Action, ClipStatus, Mode, TaskStatus
from songsmith.queue.typing import JobSpec, Queue
from songsmith.store.typing import Store

TEST_ENV = {
    "lease_s": 5.0,
    "heartbeat_s": 1.0,
    "reaper_interval_s": 0.5,
    "job_timeout_s": 60.0,
    "default_engine": "testing",
    "max_attempts": 3,
}


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"data_dir": tmp_path / "data", **TEST_ENV, **overrides}
    settings = Settings(**values)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return settings


def submit_music(
    store: Store,
    queue: Queue,
    *,
    tags: str = "testing pop",
    prompt: str = "[Verse]\nhello there little light",
    n_clips: int = 2,
    seed: int = 11,
    mode: Mode = Mode.CUSTOM,
    key_id: str = "key_test",
    duration_s: float = 1.0,
) -> str:
    """Store a MUSIC task with its clips and enqueue one generate job per clip (as the API does).

    `duration_s` keeps the testing engine's output short: these tests are about the job's life.
    """
    tags = f"{tags} testing:duration={duration_s:g}"
    task_id = str(uuid.uuid4())
    now = datetime.now(UTC)
    clips = [
        Clip(
            id=str(uuid.uuid4()),
            task_id=task_id,
            key_id=key_id,
            index=i,
            status=ClipStatus.SUBMITTED,
            title="Test Signal",
            mv="chirp-auk",
            created_at=now,
            metadata={"tags": tags, "seed": seed + i},
        )
        for i in range(n_clips)
    ]
    task = Task(
        id=task_id,
        key_id=key_id,
        action=Action.MUSIC,
        mode=mode,
        status=TaskStatus.SUBMITTED,
        submit_time=int(time.time()),
        request={"prompt": prompt, "tags": tags, "mv": "chirp-auk", "seed": seed},
    )
    store.create_task(task, clips)
    for clip in clips:
        payload = {"mode": mode.value, "mv": "chirp-auk", "engine": "testing", "preset": "default"}
        queue.enqueue(JobSpec(task_id, clip.id, "generate", "testing", payload))
    store.set_task_status(task_id, TaskStatus.QUEUED)
    return task_id


def wait_for(predicate: Callable[[], bool], timeout_s: float, every_s: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every_s)
    return predicate()


def wait_terminal(store: Store, task_ids: list[str], timeout_s: float) -> list[Task]:
    def done() -> bool:
        tasks = [store.get_task(t, None) for t in task_ids]
        return all(t is not None and t.status.terminal for t in tasks)

    wait_for(done, timeout_s, 0.2)
    return [t for t in (store.get_task(i, None) for i in task_ids) if t is not None]


def start_worker(
    settings: Settings, *extra: str, engines: str = "testing"
) -> subprocess.Popen[bytes]:
    """A real worker process, as `songsmith worker` starts one."""
    cmd = [
        sys.executable,
        "-m",
        "songsmith.services.worker",
        "--engines",
        engines,
        *extra,
    ]
    env = {**os.environ, "SONGSMITH_WORKER_SETTINGS_JSON": settings.model_dump_json()}
    return subprocess.Popen(cmd, env=env, start_new_session=True)


def stop_process_group(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass
    try:
        proc.wait(40)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def descendants(pid: int) -> list[int]:
    """All live processes whose ancestry includes `pid` (from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] == "Z":
            continue
        parents[int(entry.name)] = int(fields[1])
    found: list[int] = []
    frontier = [pid]
    while frontier:
        current = frontier.pop()
        children = [p for p, parent in parents.items() if parent == current]
        found.extend(children)
        frontier.extend(children)
    return found


def processes_with_marker(marker: str) -> list[int]:
    """Live (non-zombie) processes whose environment or command line holds `marker`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            stat = (entry / "stat").read_text()
            if stat.rsplit(")", 1)[1].split()[0] == "Z":
                continue
            blob = (entry / "environ").read_bytes() + (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in blob:
            found.append(int(entry.name))
    return found
