"""Supervisor: starts N worker processes, restarts a dead one, stops them all."""

from __future__ import annotations

import os
import secrets
import signal
from pathlib import Path

from songsmith_worker_helpers import descendants, submit_music, wait_for, wait_terminal

from songsmith.config import Settings
from songsmith.domain.statuses import TaskStatus
from songsmith.queue.sql import SqlQueue
from songsmith.services.worker import Supervisor
from songsmith.store.sql import SqlStore


def test_supervisor_restarts_a_dead_worker_and_stops_cleanly(
    settings: Settings, store: SqlStore, queue: SqlQueue
) -> None:
    secret = "sk-" + secrets.token_hex(32)
    settings = settings.model_copy(update={"api_key": secret})
    supervisor = Supervisor(settings, 2, engine_names=["testing"])
    supervisor.start()
    try:
        assert wait_for(lambda: len(supervisor.pids()) == 2, 10)
        for pid in supervisor.pids():  # S1: secrets never on a command line `ps` shows
            assert secret.encode() not in Path(f"/proc/{pid}/cmdline").read_bytes()
        victim = supervisor.pids()[0]
        os.kill(victim, signal.SIGKILL)
        assert wait_for(lambda: supervisor.restarts == 1 and len(supervisor.pids()) == 2, 20)
        assert victim not in supervisor.pids()
        task_id = submit_music(store, queue, n_clips=1)
        (task,) = wait_terminal(store, [task_id], 90)
        assert task.status is TaskStatus.SUCCESS
    finally:
        supervisor.stop()
    assert supervisor.pids() == []
    assert wait_for(lambda: descendants(os.getpid()) == [], 10)
