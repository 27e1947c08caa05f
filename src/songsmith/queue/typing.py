"""The queue port: jobs claimed under a lease carrying an attempt number (the fencing token).

Every implementation passes tests/contract/test_queue_contract.py. The queue only wakes workers;
the task rows in the store are the truth (reliability-security.md, design rules 1-3).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class JobSpec:
    task_id: str
    clip_id: str | None  # None for task-level jobs (lyrics)
    kind: str  # "generate", "lyrics", "upload", "concat", "render_wav", "render_mp4" ...
    queue: str = "builtin"  # routes to workers serving this engine
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Lease:
    job_id: str
    spec: JobSpec
    attempt: int  # 1, 2, 3: the fencing token
    worker_id: str
    expires_at: float  # unix seconds


@dataclass(frozen=True)
class DeadJob:
    """A job whose last attempt expired: the caller marks its clip/task FAILURE."""

    job_id: str
    spec: JobSpec
    attempts: int
    reason: str


class Queue(Protocol):
    max_attempts: int

    def enqueue(self, spec: JobSpec) -> str: ...  # job id
    def claim(self, worker_id: str, queues: list[str], lease_s: float) -> Lease | None: ...
    def heartbeat(self, lease: Lease, lease_s: float) -> bool: ...  # False: the lease is lost
    def complete(self, lease: Lease) -> bool: ...  # fenced; False for a stale attempt
    def fail(self, lease: Lease, reason: str, *, retry: bool) -> DeadJob | None: ...
    # retry=True re-queues unless attempts are exhausted (then returns the DeadJob)
    def release(self, lease: Lease) -> bool: ...  # graceful shutdown: back to the queue,
    # the attempt does not count
    def reap(self) -> list[DeadJob]: ...  # requeue expired leases; return those out of attempts
    def depth(self) -> dict[str, int]: ...  # queue name -> jobs waiting
    def ping(self) -> None: ...
