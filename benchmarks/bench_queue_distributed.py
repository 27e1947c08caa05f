"""Queue throughput and submit-to-claim latency: ProcrastinateQueue (PostgreSQL) against the
embedded SqlQueue (SQLite file) in the same run, plus SqlQueue on PostgreSQL for reference.

Throughput: JOBS jobs are enqueued, then 1, 2 and 4 worker processes (spawned, like real
workers) claim -> heartbeat -> complete until the queue is empty; jobs/s = JOBS / wall time. The
job itself does nothing: the figure is the queue's own cost per job (a real render adds its own
seconds to every implementation alike). Latency: one idle worker polling every IDLE_POLL_S, jobs
enqueued one at a time at random moments; p50/p99 of enqueue -> claim.

    .venv/bin/python benchmarks/bench_queue_distributed.py [--jobs 400] [--latency-jobs 100]

PostgreSQL from SONGSMITH_TEST_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres);
a fresh database is created and dropped.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import secrets
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

ADMIN_URL = os.environ.get(
    "SONGSMITH_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def _open(kind: str, url: str, migrate: bool = False) -> Any:
    if kind == "procrastinate":
        from songsmith.queue.procrastinate import ProcrastinateQueue

        return ProcrastinateQueue(url, migrate=migrate)
    from songsmith.queue.sql import SqlQueue

    return SqlQueue(url, migrate=migrate)


def _drain(kind: str, url: str, start: Any, done: Any, index: int) -> None:
    queue = _open(kind, url)
    start.wait()
    count = 0
    while True:
        lease = queue.claim(f"bench-{index}", ["testing"], 30.0)
        if lease is None:
            break
        queue.heartbeat(lease, 30.0)
        queue.complete(lease)
        count += 1
    done.put((count, time.perf_counter()))
    queue.close()


def _throughput(kind: str, url: str, jobs: int, workers: int) -> float:
    from songsmith.queue.typing import JobSpec

    queue = _open(kind, url)
    for i in range(jobs):
        queue.enqueue(JobSpec(f"t{i}", f"c{i}", "generate", "testing", {"i": i}))
    ctx = mp.get_context("spawn")
    start, done = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_drain, args=(kind, url, start, done, n)) for n in range(workers)]
    for proc in procs:
        proc.start()
    time.sleep(3.0)  # imports and connections happen before the clock starts
    began = time.perf_counter()
    start.set()
    results = [done.get(timeout=600) for _ in procs]
    for proc in procs:
        proc.join(30)
    queue.close()
    assert sum(count for count, _ in results) == jobs, results  # each job exactly once
    return float(jobs / (max(end for _, end in results) - began))


def _poller(kind: str, url: str, results: Any, stop: Any) -> None:
    from songsmith.services.worker.loop import IDLE_POLL_S

    queue = _open(kind, url)
    while not stop.is_set():
        lease = queue.claim("bench-poller", ["testing"], 30.0)
        if lease is None:
            stop.wait(IDLE_POLL_S)
            continue
        claimed = time.time()
        queue.complete(lease)
        results.put((lease.spec.payload["sent"], claimed))
    queue.close()


def _latency(kind: str, url: str, jobs: int) -> tuple[float, float]:
    from songsmith.queue.typing import JobSpec

    queue = _open(kind, url)
    ctx = mp.get_context("spawn")
    results, stop = ctx.Queue(), ctx.Event()
    poller = ctx.Process(target=_poller, args=(kind, url, results, stop))
    poller.start()
    time.sleep(3.0)
    rng = random.Random(1)
    latencies = []
    for i in range(jobs):
        time.sleep(rng.uniform(0.0, 0.1))  # idle, at a random phase of the poll
        sent = time.time()
        queue.enqueue(JobSpec(f"l{i}", None, "lyrics", "testing", {"sent": sent}))
        got_sent, claimed = results.get(timeout=30)
        latencies.append((claimed - got_sent) * 1000)
    stop.set()
    poller.join(10)
    queue.close()
    ordered = sorted(latencies)
    return statistics.median(ordered), ordered[
        min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))
    ]


def _fresh_postgres() -> tuple[str, str]:
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"songsmith_bench_{secrets.token_hex(4)}"
    plain = ADMIN_URL.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return make_url(plain).set(database=name).render_as_string(hide_password=False), name


def _drop_postgres(name: str) -> None:
    import psycopg

    plain = ADMIN_URL.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _reset(kind: str, url: str) -> str:
    """An empty queue for the next measurement."""
    from sqlalchemy import text

    from songsmith.store.db import make_engine

    engine = make_engine(url)
    with engine.begin() as conn:
        if kind == "procrastinate":
            conn.execute(text("TRUNCATE procrastinate_jobs CASCADE"))
        else:
            conn.execute(text("DELETE FROM jobs"))
    engine.dispose()
    return url


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=400)
    parser.add_argument("--latency-jobs", type=int, default=100)
    parser.add_argument("--workers", default="1,2,4")
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]

    pg_url, pg_name = _fresh_postgres()
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        setups = [
            ("sqlite SqlQueue (embedded baseline)", "sql", sqlite_url),
            ("postgres ProcrastinateQueue", "procrastinate", pg_url),
            ("postgres SqlQueue", "sql", pg_url),
        ]
        for _, kind, url in setups:
            _open(kind, url, migrate=True).close()
        rows: dict[str, dict[Any, Any]] = {}
        for label, kind, url in setups:
            row: dict[Any, Any] = {}
            for n in counts:
                row[n] = _throughput(kind, _reset(kind, url), args.jobs, n)
            row["latency"] = _latency(kind, _reset(kind, url), args.latency_jobs)
            rows[label] = row
    _drop_postgres(pg_name)

    base = rows[setups[0][0]]
    print(f"jobs per throughput run: {args.jobs}; latency samples: {args.latency_jobs}")  # noqa: T201
    for label, row in rows.items():
        parts = [f"{n} worker(s) {row[n]:7.1f} jobs/s (x{row[n] / base[n]:.2f})" for n in counts]
        p50, p99 = row["latency"]
        print(f"{label}:\n  " + "; ".join(parts))  # noqa: T201
        print(f"  submit-to-claim ms: p50 {p50:.1f}  p99 {p99:.1f}")  # noqa: T201


if __name__ == "__main__":
    main()
