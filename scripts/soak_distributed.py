"""Soak the distributed fleet at the counts of reliability-security.md and report the figures.

On a private PostgreSQL cluster (initdb/pg_ctl; the shared server is never touched): one API
server and WORKERS worker processes (testing engine) under a steady stream of submitted tasks:
  1. R1: SIGKILL a random worker (with its job process) at a random moment, KILLS times;
     the killed worker is started again at once.
  2. R4: SIGSTOP a worker that holds a job past its lease, let the others take over, SIGCONT it;
     PAUSES times.
  3. R6: stop PostgreSQL for OUTAGE_S seconds under load; every answer must be 200/503, never 500.
Then every accepted task must end SUCCESS or FAILURE within the drain time, and:
  lost             accepted task ids the API no longer knows
  stuck            accepted tasks not terminal after the drain
  double-completed jobs with more than one `succeeded` event (the fenced completion makes a
                   second one impossible; the clip rows' own fencing is covered by R4)
  http 5xx != 503  answers that must never happen

    .venv/bin/python scripts/soak_distributed.py [--kills 100] [--pauses 100] [--outage-s 30]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "distributed"))

from distributed_fleet import Fleet, ThrowawayPostgres, job_rows


def _tree(pid: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(
                    (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
                )
            except (OSError, IndexError):
                continue
    tree, frontier = [pid], [pid]
    while frontier:
        current = frontier.pop()
        children = [p for p, parent in parents.items() if parent == current]
        tree += children
        frontier += children
    return tree


def _signal_tree(pid: int, sig: int) -> None:
    for member in _tree(pid):
        try:
            os.kill(member, sig)
        except ProcessLookupError:
            pass


class Load(threading.Thread):
    """Submits a task every `every_s` seconds; remembers what was accepted and every status."""

    def __init__(self, fleet: Fleet, every_s: float) -> None:
        super().__init__(daemon=True)
        self.fleet, self.every_s = fleet, every_s
        self.accepted: list[str] = []
        self.statuses: Counter[int] = Counter()
        self.stop = threading.Event()

    def run(self) -> None:
        import httpx

        with self.fleet.client() as client:
            i = 0
            while not self.stop.wait(self.every_s):
                i += 1
                body = {"prompt": "[Verse]\nsoak", "tags": "pop testing:duration=1 testing:slow=1",
                        "mv": "chirp-v4", "seed": i}  # fmt: skip
                try:
                    response = client.post("/suno/submit/music", json=body, timeout=15)
                except httpx.TransportError:
                    self.statuses[-1] += 1
                    continue
                self.statuses[response.status_code] += 1
                if response.status_code == 200:
                    self.accepted.append(str(response.json()["data"]))


def _workers(fleet: Fleet) -> list[str]:
    return [name for name in fleet.procs if name.startswith("w")]


def _revive(fleet: Fleet) -> int:
    """Start again any worker that exited (what systemd or Kubernetes would do)."""
    dead = [name for name in _workers(fleet) if fleet.procs[name].poll() is not None]
    for name in dead:
        fleet.start_worker(name)
    return len(dead)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--pauses", type=int, default=100)
    parser.add_argument("--outage-s", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--submit-every-s", type=float, default=0.5)
    parser.add_argument("--drain-s", type=float, default=600.0)
    args = parser.parse_args()
    rng = random.Random(7)
    lease_s = 3.0

    cluster = ThrowawayPostgres()
    cluster.start()
    root = Path(tempfile.mkdtemp(prefix="songsmith-soak-"))
    fleet = Fleet(root, cluster.url, extra_env={"SONGSMITH_LEASE_S": str(lease_s),
                                                "SONGSMITH_HEARTBEAT_S": "0.5"})  # fmt: skip
    report: dict[str, Any] = {}
    try:
        fleet.start_api()
        for n in range(args.workers):
            fleet.start_worker(f"w{n}")
        load = Load(fleet, args.submit_every_s)
        load.start()
        began = time.monotonic()
        for _ in range(args.kills):  # R1
            time.sleep(rng.uniform(0.2, 2.5))
            _revive(fleet)
            name = rng.choice(_workers(fleet))
            _signal_tree(fleet.procs[name].pid, signal.SIGKILL)
            fleet.procs[name].wait()
            fleet.start_worker(name)
        report["kills"] = args.kills
        paused, give_up = 0, time.monotonic() + 60 + args.pauses * (lease_s + 10)
        while paused < args.pauses and time.monotonic() < give_up:  # R4
            _revive(fleet)
            doing = [r for r in job_rows(cluster.url) if r["status"] == "doing"]
            victim = next(
                (n for r in doing for n in _workers(fleet)
                 if r["worker_name"] and f":{fleet.procs[n].pid}:" in r["worker_name"]), None,
            )  # fmt: skip
            if victim is None:
                time.sleep(0.3)
                continue
            pid = fleet.procs[victim].pid
            _signal_tree(pid, signal.SIGSTOP)
            time.sleep(lease_s + 1.5)
            _signal_tree(pid, signal.SIGCONT)
            paused += 1
        report["pauses"] = paused
        cluster.stop()  # R6
        time.sleep(args.outage_s)
        cluster.start()
        report["outage_s"] = args.outage_s
        load.stop.set()
        load.join(30)
        report["chaos_s"] = round(time.monotonic() - began, 1)

        with fleet.client() as client:
            deadline = time.monotonic() + args.drain_s
            pending = set(load.accepted)
            final: dict[str, str] = {}
            lost: set[str] = set()
            revived = 0
            while pending and time.monotonic() < deadline:
                revived += _revive(fleet)
                for task_id in list(pending):
                    response = client.get(f"/suno/fetch/{task_id}")
                    if response.status_code != 200:
                        if response.json().get("code") == "task_not_exist":
                            lost.add(task_id)
                            pending.discard(task_id)
                        continue
                    status = response.json()["data"]["status"]
                    if status in ("SUCCESS", "FAILURE"):
                        final[task_id] = status
                        pending.discard(task_id)
                time.sleep(1.0)
        report.update(_double_completions(cluster.url))
        report["accepted"] = len(load.accepted)
        report["success"] = sum(1 for s in final.values() if s == "SUCCESS")
        report["failure"] = sum(1 for s in final.values() if s == "FAILURE")
        report["lost"] = len(lost)
        report["stuck"] = len(pending)
        report["workers_restarted_after_exit"] = revived
        report["http"] = dict(load.statuses)
        report["http_5xx_not_503"] = sum(
            n for code, n in load.statuses.items() if code >= 500 and code != 503
        )
    finally:
        fleet.stop_all()
        cluster.destroy()
    for key, value in report.items():
        print(f"{key}: {value}")  # noqa: T201


def _double_completions(url: str) -> dict[str, int]:
    """Jobs that Procrastinate saw succeed more than once (each clip job may succeed once)."""
    import psycopg

    with psycopg.connect(url) as conn:
        events = conn.execute(
            "SELECT job_id, count(*) FROM procrastinate_events WHERE type = 'succeeded'"
            " GROUP BY job_id HAVING count(*) > 1"
        ).fetchall()
    return {"double_completed": len(events)}


if __name__ == "__main__":
    main()
