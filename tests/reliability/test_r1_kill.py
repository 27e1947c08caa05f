"""R1: SIGKILL a worker mid-job, and SIGKILL a whole serve-like process tree, then restart: every
accepted task ends SUCCESS, none is stuck, and exactly one attempt per clip succeeded."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

from scenarios import blob_names, orphan_files
from songsmith_worker_helpers import (
    make_settings,
    processes_with_marker,
    start_worker,
    stop_process_group,
    submit_music,
    wait_for,
    wait_terminal,
)

from songsmith.domain.statuses import ClipStatus, TaskStatus
from songsmith.queue.sql import SqlQueue
from songsmith.store.sql import SqlStore

SERVE_LIKE = Path(__file__).with_name("serve_like.py")


def assert_one_winner_each(store: SqlStore, queue: SqlQueue, task_ids: list[str]) -> None:
    for task_id in task_ids:
        jobs = {j["clip_id"]: j for j in queue.jobs_for_task(task_id)}
        for clip in store.get_clips(task_id):
            job = jobs[clip.id]
            assert clip.status is ClipStatus.COMPLETE
            # the clip's result is that of one attempt the queue issued; a later attempt may
            # have found it complete (killed before `queue.complete`) and closed the job
            assert job["state"] == "done" and 1 <= clip.attempt <= job["token"]


def test_r1_sigkill_worker_mid_job(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    store = SqlStore(settings.resolved_database_url)
    queue = SqlQueue(settings.resolved_database_url)
    marker = "SONGSMITH_R1_" + secrets.token_hex(6)
    os.environ[marker] = "1"
    try:
        task_id = submit_music(store, queue, n_clips=1, tags="testing testing:slow=4")
        first = start_worker(settings)
        assert wait_for(lambda: queue.running() == 1, 60)
        assert wait_for(lambda: store.get_clips(task_id)[0].progress > 0, 30)
        os.kill(first.pid, signal.SIGKILL)  # the worker only: its job process must follow
        first.wait()
        assert wait_for(lambda: processes_with_marker(marker) == [], 10)
    finally:
        del os.environ[marker]
    second = start_worker(settings)
    try:
        (task,) = wait_terminal(store, [task_id], settings.lease_s + 60)
        assert task.status is TaskStatus.SUCCESS
        assert wait_for(lambda: queue.running() == 0, 10)
        assert_one_winner_each(store, queue, [task_id])
        (clip,) = store.get_clips(task_id)
        assert clip.attempt == 2
        # no orphan files: every blob on disk is one the winning clip references (the killed
        # attempt's are collected by the reaper's janitor)
        assert wait_for(lambda: orphan_files(store, settings) == [], 10)
        assert blob_names(settings) == set(clip.artifacts.values())
    finally:
        stop_process_group(second)
        store.close()
        queue.close()


def start_serve_like(settings_json: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(SERVE_LIKE), settings_json, "2"], start_new_session=True
    )


def test_r1_sigkill_whole_server_tree_then_restart(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    store = SqlStore(settings.resolved_database_url)
    queue = SqlQueue(settings.resolved_database_url)
    task_ids = [
        submit_music(store, queue, n_clips=1, seed=i, tags="testing testing:slow=2")
        for i in range(3)
    ]
    server = start_serve_like(settings.model_dump_json())
    try:
        assert wait_for(lambda: queue.running() >= 1, 60)
        os.killpg(server.pid, signal.SIGKILL)  # the server, its workers, their job processes
        server.wait()
        running_at_kill = queue.running()
        assert running_at_kill >= 1
        server = start_serve_like(settings.model_dump_json())
        tasks = wait_terminal(store, task_ids, 120)
        assert [t.status for t in tasks] == [TaskStatus.SUCCESS] * len(task_ids)
        assert wait_for(lambda: queue.running() == 0, 10)
        assert_one_winner_each(store, queue, task_ids)
        assert queue.depth() == {}
        assert wait_for(lambda: orphan_files(store, settings) == [], 10)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(60)
        finally:
            stop_process_group(server, signal.SIGKILL)
        store.close()
        queue.close()
    assert server.returncode is not None
