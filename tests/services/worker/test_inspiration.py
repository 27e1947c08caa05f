"""Inspiration mode: the lyricist writes title, tags and lyrics, and the engine sings them."""

from __future__ import annotations

import json

from songsmith_worker_helpers import submit_music

from songsmith.blobs.local import LocalBlobStore
from songsmith.config import Settings
from songsmith.domain.statuses import ClipStatus, Mode
from songsmith.engines.registry import EngineRegistry
from songsmith.lyrics import write_lyrics
from songsmith.queue.sql import SqlQueue
from songsmith.services.pipeline import PipelineContext, execute
from songsmith.store.sql import SqlStore


def test_inspiration_sings_written_lyrics_in_both_clips(
    settings: Settings, store: SqlStore, queue: SqlQueue, blobs: LocalBlobStore
) -> None:
    ctx = PipelineContext(settings, store, blobs, EngineRegistry(settings))
    task_id = submit_music(store, queue, n_clips=2, prompt="", tags="", mode=Mode.INSPIRATION)
    task = store.get_task(task_id, None)
    assert task is not None
    # as the API stores it: the description, no lyrics; the testing engine keeps it short
    task.request.update(gpt_description_prompt="a cat who sleeps in the sun", seed=5)
    task.request["tags"] = "testing:duration=1"
    store_request(store, task_id, task.request)

    for _ in range(2):
        lease = queue.claim("w", ["testing"], 5.0)
        assert lease is not None
        execute(ctx, lease)

    expected = write_lyrics("a cat who sleeps in the sun", 5, settings)
    clips = store.get_clips(task_id)
    assert [c.status for c in clips] == [ClipStatus.COMPLETE, ClipStatus.COMPLETE]
    for clip in clips:
        assert clip.metadata["prompt"] == expected.text  # the lyrics actually sung
        assert "[Chorus]" in clip.metadata["prompt"]
        assert clip.metadata["tags"] == "testing:duration=1"  # the request's tags win
        assert clip.title == expected.title
        timing = json.loads(blobs.read_bytes(clip.artifacts["timing"]))
        assert timing["aligned_words"], "the written lyrics were sung and timed"


def store_request(store: SqlStore, task_id: str, request: dict[str, object]) -> None:
    from sqlalchemy import update

    from songsmith.store.schema import tasks

    with store.engine.begin() as conn:
        conn.execute(update(tasks).where(tasks.c.id == task_id).values(request=request))
