"""Helpers for the media use-case tests (imported by path: tests have no package).

A real SQLite store, real blobs and queue, and clips made by the real pipeline with the
`testing` engine, so act/stems/upload code reads exactly what generation stores.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from songsmith.blobs.local import LocalBlobStore
from songsmith.config import Settings
from songsmith.domain.models import Clip, Task
from songsmith.domain.statuses import Action, ClipStatus, Mode, TaskStatus
from songsmith.engines.registry import EngineRegistry
from songsmith.queue.sql import SqlQueue
from songsmith.queue.typing import JobSpec, Lease
from songsmith.services.pipeline import PipelineContext, execute
from songsmith.store.sql import SqlStore

KEY = "key_media"


@dataclass
class Env:
    settings: Settings
    store: SqlStore
    queue: SqlQueue
    blobs: LocalBlobStore
    ctx: PipelineContext

    def close(self) -> None:
        self.queue.close()
        self.store.close()

    def claim(self, queues: tuple[str, ...] = ("testing", "lyrics")) -> Lease:
        lease = self.queue.claim("w", list(queues), 30.0)
        assert lease is not None, "no job waiting"
        return lease

    def run_next(self) -> Lease:
        """Claim the next job and run it through the pipeline's dispatch table."""
        lease = self.claim()
        execute(self.ctx, lease)
        self.queue.complete(lease)
        return lease

    def blob_count(self) -> int:
        return sum(1 for p in self.blobs.root.rglob("*") if p.is_file() and "tmp" not in p.parts)


def make_env(tmp_path: Path) -> Env:
    settings = Settings(
        data_dir=tmp_path / "data",
        default_engine="testing",
        lease_s=30.0,
        job_timeout_s=60.0,
    )
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = SqlStore(settings.resolved_database_url)
    queue = SqlQueue(settings.resolved_database_url, max_attempts=settings.max_attempts)
    blobs = LocalBlobStore(settings.blob_dir, settings.resolved_public_base_url)
    ctx = PipelineContext(settings, store, blobs, EngineRegistry(settings))
    return Env(settings, store, queue, blobs, ctx)


def new_task(
    env: Env,
    *,
    request: dict[str, Any],
    titles: list[str],
    mode: Mode,
    action: Action = Action.MUSIC,
    metadata: list[dict[str, Any]] | None = None,
) -> tuple[Task, list[Clip]]:
    task_id = str(uuid.uuid4())
    now = datetime.now(UTC)
    clips = [
        Clip(
            id=str(uuid.uuid4()),
            task_id=task_id,
            key_id=KEY,
            index=i,
            status=ClipStatus.SUBMITTED,
            title=title,
            mv="chirp-auk",
            created_at=now,
            metadata={"seed": 5 + i, **((metadata or [{}] * len(titles))[i])},
        )
        for i, title in enumerate(titles)
    ]
    task = Task(
        id=task_id,
        key_id=KEY,
        action=action,
        mode=mode,
        status=TaskStatus.SUBMITTED,
        submit_time=int(time.time()),
        request=request,
        clip_ids=[c.id for c in clips],
    )
    env.store.create_task(task, clips)
    return task, clips


def generated_clip(
    env: Env, *, seconds: float = 2.0, prompt: str = "[Verse]\nhello there little light"
) -> Clip:
    """One complete clip made by the pipeline and the testing engine (stems, score, timing)."""
    tags = f"pop testing:duration={seconds:g}"
    task, (clip,) = new_task(
        env,
        request={"prompt": prompt, "tags": tags, "mv": "chirp-auk", "seed": 5},
        titles=["City Lights"],
        mode=Mode.CUSTOM if prompt else Mode.INSTRUMENTAL,
        metadata=[{"tags": tags}],
    )
    payload = {"mode": task.mode.value, "engine": "testing", "preset": "default"}
    env.queue.enqueue(JobSpec(task.id, clip.id, "generate", "testing", payload))
    env.run_next()
    done = env.store.get_clip(clip.id, None)
    assert done is not None and done.status is ClipStatus.COMPLETE
    return done
