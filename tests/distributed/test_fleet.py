"""The distributed fleet as processes (one API server for the module, `songsmith worker`
processes per test, PostgreSQL, Procrastinate, a shared media folder): end to end over HTTP, then
R1, R2, R4 and R7 at small counts (scripts/soak_distributed.py runs the full counts)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from distributed_fleet import Fleet, job_rows

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(240)]


@pytest.fixture(scope="module")
def fleet(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    fleet = Fleet(tmp_path_factory.mktemp("fleet"), pg_url)
    try:
        fleet.start_api()
        yield fleet
    finally:
        fleet.stop_all()


@pytest.fixture
def workers(fleet: Fleet) -> Iterator[Fleet]:
    """The module's fleet; the workers a test starts are stopped after it."""
    try:
        yield fleet
    finally:
        fleet.stop_workers()


def _process_tree(pid: int) -> list[int]:
    """`pid` and its live descendants (the worker and its job process), from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    tree, frontier = [pid], [pid]
    while frontier:
        current = frontier.pop()
        children = [p for p, parent in parents.items() if parent == current]
        tree += children
        frontier += children
    return tree


def _wait(predicate: Any, timeout_s: float, what: str, fleet: Fleet) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}\n" + fleet.logs())
        time.sleep(0.1)


def _rows(fleet: Fleet, *task_ids: str) -> list[dict[str, Any]]:
    return [r for r in job_rows(fleet.database_url) if r["args"]["task_id"] in task_ids]


def _settled(fleet: Fleet, *task_ids: str) -> list[dict[str, Any]]:
    """The jobs of these tasks once none is queued or running. A task turns SUCCESS when its
    last clip commits, a moment before the worker marks the job done in the queue."""
    deadline = time.monotonic() + 30
    while True:
        rows = _rows(fleet, *task_ids)
        if all(r["status"] not in ("todo", "doing") for r in rows):
            return rows
        if time.monotonic() > deadline:
            raise AssertionError(f"jobs not settled: {rows}")
        time.sleep(0.2)


def _doing(fleet: Fleet, task_id: str) -> list[dict[str, Any]]:
    return [r for r in _rows(fleet, task_id) if r["status"] == "doing"]


def test_api_and_two_workers_complete_every_clip_over_http(workers: Fleet) -> None:
    fleet = workers
    fleet.start_worker("e2e-w1")
    fleet.start_worker("e2e-w2")
    with fleet.client() as client:
        ready = client.get("/ready")
        assert ready.status_code == 200, ready.text
        tasks = [fleet.submit(client, "testing:duration=1 testing:slow=1", seed=i) for i in (1, 2)]
        finished = fleet.wait_terminal(client, tasks, timeout_s=150)
        for task in finished.values():
            assert task["status"] == "SUCCESS", task
            for clip in task["data"]:
                assert clip["status"] == "complete"
                audio = httpx.get(clip["audio_url"], timeout=30)  # written by a worker
                assert audio.status_code == 200
                assert audio.headers["content-type"] == "audio/mpeg" and len(audio.content) > 1000
        metrics = client.get("/metrics").text
    rows = _settled(fleet, *tasks)
    assert len(rows) == 4
    assert all(r["status"] == "succeeded" and r["token"] == 1 for r in rows), rows
    assert {r["queue_name"] for r in rows} == {"testing"}  # the mv's engine is the queue
    assert len({r["worker_name"] for r in rows}) == 2, rows  # both workers took jobs
    gauges = dict(
        line.rsplit(" ", 1) for line in metrics.splitlines() if line.startswith("songsmith_queue_")
    )
    assert int(gauges["songsmith_queue_workers_alive"]) >= 2, metrics
    assert gauges["songsmith_queue_stalled"] == "0" and gauges["songsmith_queue_running"] == "0"


def test_r2_poison_job_fails_after_exactly_3_attempts_and_the_rest_succeed(
    workers: Fleet,
) -> None:
    fleet = workers
    fleet.start_worker("r2-w1")
    fleet.start_worker("r2-w2")
    with fleet.client() as client:
        poison = fleet.submit(client, "testing:crash testing:duration=1", seed=99)
        behind = [fleet.submit(client, "testing:duration=1", seed=i) for i in range(2)]
        done = fleet.wait_terminal(client, [poison, *behind], timeout_s=180)
    assert done[poison]["status"] == "FAILURE"
    assert "3 attempts" in done[poison]["fail_reason"], done[poison]
    assert all(done[t]["status"] == "SUCCESS" for t in behind)
    poison_rows = _settled(fleet, poison)
    assert len(poison_rows) == 2  # one job per clip
    assert all(r["status"] == "failed" and r["counted"] == 3 for r in poison_rows), poison_rows
    assert all(r["status"] == "succeeded" for r in _settled(fleet, *behind))


def test_r4_paused_stale_worker_result_is_rejected(workers: Fleet) -> None:
    fleet = workers
    short_lease = {"SONGSMITH_LEASE_S": "2", "SONGSMITH_HEARTBEAT_S": "0.4"}
    fleet.start_worker("r4-a", env=short_lease)
    with fleet.client() as client:
        task_id = fleet.submit(client, "testing:duration=1 testing:slow=3", seed=5)
        _wait(lambda: bool(_doing(fleet, task_id)), 60, "worker A to claim", fleet)
        stolen = _doing(fleet, task_id)[0]
        paused = _process_tree(fleet.procs["r4-a"].pid)
        for pid in paused:  # A and its job process freeze mid-render, past the lease
            os.kill(pid, signal.SIGSTOP)
        try:
            fleet.start_worker("r4-b", env=short_lease)
            finished = fleet.wait_terminal(client, [task_id], timeout_s=120)[task_id]
            assert finished["status"] == "SUCCESS"
        finally:
            for pid in paused:
                os.kill(pid, signal.SIGCONT)
        time.sleep(4)  # A resumes, finishes its render and tries to commit it
        after = client.get(f"/suno/fetch/{task_id}").json()["data"]
    assert after == finished  # A's late result changed nothing
    row = next(r for r in _settled(fleet, task_id) if r["id"] == stolen["id"])
    assert row["status"] == "succeeded" and row["token"] == 2
    assert row["worker_name"] != stolen["worker_name"]
    assert all(clip["status"] == "complete" for clip in after["data"])


def test_r7_sigterm_finishes_the_job_in_flight_and_claims_no_more(workers: Fleet) -> None:
    fleet = workers
    worker = fleet.start_worker("r7-w1")
    with fleet.client() as client:
        task_id = fleet.submit(client, "testing:duration=1 testing:slow=3", seed=7)
        _wait(lambda: bool(_doing(fleet, task_id)), 60, "the worker to claim", fleet)
        fleet.signal("r7-w1", signal.SIGTERM)
        assert worker.wait(timeout=40) == 0, fleet.logs()
        rows = _rows(fleet, task_id)
        assert sorted(r["status"] for r in rows) == ["succeeded", "todo"], rows
        assert [r["token"] for r in rows if r["status"] == "todo"] == [0]  # never claimed
        fleet.start_worker("r7-w2")
        finished = fleet.wait_terminal(client, [task_id], timeout_s=90)[task_id]
    assert finished["status"] == "SUCCESS"
    assert [r["token"] for r in _settled(fleet, task_id)] == [1, 1]  # none lost or repeated


def test_r1_sigkilled_workers_lose_no_task_and_complete_each_job_once(workers: Fleet) -> None:
    fleet = workers
    fleet.start_worker("r1-w1")
    fleet.start_worker("r1-w2")
    with fleet.client() as client:
        tasks = [
            fleet.submit(client, "testing:duration=1 testing:slow=1", seed=i) for i in range(2)
        ]
        for _ in range(2):  # SIGKILL a worker holding a job, mid-render, then start it again
            _wait(lambda: _live_holder(fleet, tasks) is not None, 90, "a claimed job", fleet)
            name = _live_holder(fleet, tasks)
            assert name is not None
            for pid in _process_tree(fleet.procs[name].pid):
                os.kill(pid, signal.SIGKILL)
            fleet.procs[name].wait()
            fleet.start_worker(name)
        done = fleet.wait_terminal(client, tasks, timeout_s=150)
    assert all(task["status"] == "SUCCESS" for task in done.values()), done
    rows = _settled(fleet, *tasks)
    assert len(rows) == 4 and all(r["status"] == "succeeded" for r in rows)
    assert max(r["token"] for r in rows) >= 2  # the killed attempts were retried


def _live_holder(fleet: Fleet, task_ids: list[str]) -> str | None:
    """The name of a running worker process that holds one of these tasks' jobs."""
    for row in _rows(fleet, *task_ids):
        if row["status"] != "doing" or not row["worker_name"]:
            continue
        for name, proc in fleet.procs.items():
            if proc.poll() is None and f":{proc.pid}:" in row["worker_name"]:
                return name
    return None
