"""Submit-to-claim latency of the embedded queue when idle (goal: p99 < 100 ms).

A separate process polls like a worker does (`claim`, then wait IDLE_POLL_S when empty) against
the same SQLite file; the main process enqueues one job at a time at random moments and the
poller reports when it claimed each. Baseline in the same run: the round trip of a bare
`SELECT 1` on the same database, i.e. the floor any database-backed queue pays.

    .venv/bin/python benchmarks/bench_queue.py [--jobs 200]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any


def _poller(url: str, results: Any, stop: Any) -> None:
    from songsmith.queue.sql import SqlQueue
    from songsmith.services.worker.loop import IDLE_POLL_S

    queue = SqlQueue(url, migrate=False)
    while not stop.is_set():
        lease = queue.claim("bench", ["builtin"], 30.0)
        if lease is None:
            stop.wait(IDLE_POLL_S)
            continue
        claimed = time.time()
        queue.complete(lease)
        results.put((lease.spec.payload["sent"], claimed))


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=200)
    args = parser.parse_args()

    from sqlalchemy import text

    from songsmith.queue.sql import SqlQueue
    from songsmith.queue.typing import JobSpec

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        queue = SqlQueue(url)
        ctx = mp.get_context("spawn")
        results, stop = ctx.Queue(), ctx.Event()
        poller = ctx.Process(target=_poller, args=(url, results, stop))
        poller.start()
        time.sleep(2.0)  # let the poller import and settle

        baseline = []
        for _ in range(args.jobs):
            began = time.perf_counter()
            with queue.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            baseline.append((time.perf_counter() - began) * 1000)

        latencies = []
        rng = random.Random(1)
        for i in range(args.jobs):
            time.sleep(rng.uniform(0.0, 0.1))  # idle, at a random phase of the poll
            sent = time.time()
            queue.enqueue(JobSpec(f"t{i}", None, "lyrics", "builtin", {"sent": sent}))
            got_sent, claimed = results.get(timeout=10)
            latencies.append((claimed - got_sent) * 1000)
        stop.set()
        poller.join(10)
        queue.close()

    print(f"jobs: {args.jobs}")  # noqa: T201
    print(  # noqa: T201
        f"submit-to-claim ms: p50 {statistics.median(latencies):.1f}  "
        f"p99 {_percentile(latencies, 0.99):.1f}  max {max(latencies):.1f}"
    )
    print(  # noqa: T201
        f"baseline SELECT 1 ms: p50 {statistics.median(baseline):.2f}  "
        f"p99 {_percentile(baseline, 0.99):.2f}"
    )


if __name__ == "__main__":
    main()
