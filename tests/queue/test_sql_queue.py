"""SqlQueue specifics: many processes claiming from one SQLite file hand out each job once."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from songsmith.queue.sql import SqlQueue
from songsmith.queue.typing import JobSpec


def _drain(url: str) -> list[str]:
    queue = SqlQueue(url, migrate=False)
    claimed = []
    while (lease := queue.claim("w", ["builtin"], 30.0)) is not None:
        claimed.append(lease.job_id)
        queue.complete(lease)
    queue.close()
    return claimed


def test_processes_share_one_queue_without_double_claims(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'q.db'}"
    queue = SqlQueue(url)
    ids = {queue.enqueue(JobSpec(f"t{i}", None, "lyrics", "builtin")) for i in range(60)}
    with ProcessPoolExecutor(3) as pool:
        results = list(pool.map(_drain, [url] * 3))
    claimed = [job for result in results for job in result]
    assert sorted(claimed) == sorted(ids)
    assert queue.depth() == {}
    queue.close()


def test_idle_claim_does_not_take_the_write_lock(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'q.db'}"
    queue = SqlQueue(url)
    other = SqlQueue(url, migrate=False)
    with other._writer.begin():  # another process holds the write lock
        assert queue.claim("w", ["builtin"], 5.0) is None  # returns at once, empty queue
    queue.close()
    other.close()
