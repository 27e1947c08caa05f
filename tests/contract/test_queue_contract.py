"""The queue port's contract: every Queue implementation passes these."""

from __future__ import annotations

import threading
import time

from songsmith.queue.typing import JobSpec, Queue

LEASE = 5.0


def spec(task_id: str = "t1", queue: str = "builtin") -> JobSpec:
    return JobSpec(task_id=task_id, clip_id=f"{task_id}-c0", kind="generate", queue=queue)


def expire_now(queue: Queue) -> None:
    # The lease clock is wall time; a lease of ~0 s lets reap() see it expired.
    time.sleep(0.05)


def test_enqueue_claim_complete(queue: Queue) -> None:
    job_id = queue.enqueue(JobSpec("t1", "c1", "generate", "builtin", {"x": 1}))
    assert queue.depth() == {"builtin": 1}
    lease = queue.claim("w1", ["builtin"], LEASE)
    assert lease is not None
    assert lease.job_id == job_id and lease.attempt == 1 and lease.worker_id == "w1"
    assert lease.spec == JobSpec("t1", "c1", "generate", "builtin", {"x": 1})
    assert lease.expires_at > time.time()
    assert queue.depth() == {}
    assert queue.claim("w2", ["builtin"], LEASE) is None
    assert queue.heartbeat(lease, LEASE)
    assert queue.complete(lease)
    assert not queue.complete(lease)
    assert not queue.heartbeat(lease, LEASE)


def test_claim_routes_by_queue_and_is_fifo(queue: Queue) -> None:
    a = queue.enqueue(spec("a", "builtin"))
    queue.enqueue(spec("b", "acestep"))
    c = queue.enqueue(spec("c", "builtin"))
    assert queue.depth() == {"builtin": 2, "acestep": 1}
    assert queue.claim("w", [], LEASE) is None
    first = queue.claim("w", ["builtin"], LEASE)
    second = queue.claim("w", ["builtin"], LEASE)
    assert first is not None and second is not None
    assert [first.job_id, second.job_id] == [a, c]
    assert queue.claim("w", ["builtin"], LEASE) is None
    other = queue.claim("w", ["testing", "acestep"], LEASE)
    assert other is not None and other.spec.task_id == "b"


def test_fail_with_retry_requeues_then_dies_after_max_attempts(queue: Queue) -> None:
    queue.enqueue(spec())
    for attempt in (1, 2):
        lease = queue.claim("w", ["builtin"], LEASE)
        assert lease is not None and lease.attempt == attempt
        assert queue.fail(lease, "boom", retry=True) is None
    lease = queue.claim("w", ["builtin"], LEASE)
    assert lease is not None and lease.attempt == 3
    dead = queue.fail(lease, "boom 3", retry=True)
    assert dead is not None and dead.attempts == 3 and dead.reason == "boom 3"
    assert dead.spec == spec()
    assert queue.claim("w", ["builtin"], LEASE) is None


def test_fail_without_retry_is_final(queue: Queue) -> None:
    queue.enqueue(spec())
    lease = queue.claim("w", ["builtin"], LEASE)
    assert lease is not None
    dead = queue.fail(lease, "bad input", retry=False)
    assert dead is not None and dead.attempts == 1
    assert queue.depth() == {}


def test_stale_attempt_is_fenced(queue: Queue) -> None:
    queue.enqueue(spec())
    stale = queue.claim("a", ["builtin"], 0.0)
    assert stale is not None
    expire_now(queue)
    assert queue.reap() == []  # requeued: attempts left
    fresh = queue.claim("b", ["builtin"], LEASE)
    assert fresh is not None and fresh.attempt == 2
    assert not queue.heartbeat(stale, LEASE)
    assert not queue.complete(stale)
    assert queue.fail(stale, "late", retry=True) is None
    assert not queue.release(stale)
    assert queue.complete(fresh)


def test_reap_returns_dead_jobs_after_max_attempts(queue: Queue) -> None:
    queue.enqueue(spec())
    for attempt in (1, 2, 3):
        lease = queue.claim("w", ["builtin"], 0.0)
        assert lease is not None and lease.attempt == attempt
        expire_now(queue)
        dead = queue.reap()
        if attempt < 3:
            assert dead == []
        else:
            assert len(dead) == 1 and dead[0].attempts == 3 and dead[0].spec == spec()
            assert dead[0].reason
    assert queue.reap() == []
    assert queue.claim("w", ["builtin"], LEASE) is None


def test_live_lease_is_not_reaped(queue: Queue) -> None:
    queue.enqueue(spec())
    lease = queue.claim("w", ["builtin"], LEASE)
    assert lease is not None
    assert queue.reap() == []
    assert queue.claim("w2", ["builtin"], LEASE) is None


def test_release_does_not_count_an_attempt(queue: Queue) -> None:
    queue.enqueue(spec())
    for _ in range(5):
        lease = queue.claim("w", ["builtin"], LEASE)
        assert lease is not None
        assert queue.release(lease)
    lease = queue.claim("w", ["builtin"], LEASE)
    assert lease is not None
    assert lease.attempt == 6  # the fencing token still grows
    assert queue.fail(lease, "x", retry=True) is None  # only 1 counted attempt so far


def test_concurrent_claims_hand_out_each_job_once(queue: Queue) -> None:
    n = 30
    for i in range(n):
        queue.enqueue(spec(f"t{i}"))
    claimed: list[str] = []
    lock = threading.Lock()

    def grab(worker: str) -> None:
        while (lease := queue.claim(worker, ["builtin"], LEASE)) is not None:
            with lock:
                claimed.append(lease.job_id)

    threads = [threading.Thread(target=grab, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(claimed) == n and len(set(claimed)) == n


def test_ping(queue: Queue) -> None:
    queue.ping()
