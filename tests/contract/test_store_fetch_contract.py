"""The poll read `get_task_with_clips` agrees with `get_task` + `get_clips` on every store."""

from __future__ import annotations

from datetime import UTC, datetime

from songsmith.domain.models import Clip, Task
from songsmith.domain.statuses import Action, ClipStatus, Mode, TaskStatus
from songsmith.store.typing import Store

NOW = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


def _task(task_id: str, key_id: str, action: Action = Action.MUSIC) -> Task:
    return Task(
        id=task_id,
        key_id=key_id,
        action=action,
        mode=Mode.CUSTOM,
        status=TaskStatus.SUBMITTED,
        submit_time=1_700_000_000,
        request={"prompt": "[Verse]\nla", "unknown_field": {"nested": [1, 2]}},
        notify_hook="https://example.com/hook",
    )


def _clip(task_id: str, key_id: str, index: int) -> Clip:
    return Clip(
        id=f"{task_id}-c{index}",
        task_id=task_id,
        key_id=key_id,
        index=index,
        status=ClipStatus.SUBMITTED,
        title=f"Take {index}",
        mv="chirp-auk",
        created_at=NOW,
        metadata={"tags": "pop", "seed": 7 + index},
    )


def test_equals_get_task_and_get_clips_through_the_clip_life(store: Store) -> None:
    # Clips inserted out of index order: the read must still answer them in index order.
    store.create_task(_task("t1", "k1"), [_clip("t1", "k1", i) for i in (2, 0, 1)])
    assert store.start_clip("t1-c0", 1)
    assert store.set_clip_progress("t1-c0", 1, 40, stream_blob="blob-stream")
    assert store.complete_clip(
        "t1-c1", 0, duration=2.5, artifacts={"mp3": "blob-mp3"}, metadata={"bpm": 120.0}
    )
    assert store.fail_clip("t1-c2", None, "engine_error", "boom")
    store.refresh_task("t1")
    for key_id in ("k1", None):
        found = store.get_task_with_clips("t1", key_id)
        assert found is not None
        task, clips = found
        assert task == store.get_task("t1", key_id)
        assert clips == store.get_clips("t1")
        assert [c.index for c in clips] == [0, 1, 2]
        assert task.clip_ids == ["t1-c0", "t1-c1", "t1-c2"]
    _, (streaming, complete, failed) = store.get_task_with_clips("t1", "k1") or (None, [])
    assert streaming.artifacts == {"stream": "blob-stream"} and streaming.progress == 40
    assert complete.duration == 2.5 and complete.metadata["bpm"] == 120.0
    assert complete.created_at == NOW
    assert failed.status is ClipStatus.ERROR and failed.metadata["error_message"] == "boom"


def test_scoped_to_key_and_unknown_ids(store: Store) -> None:
    store.create_task(_task("mine", "k1"), [_clip("mine", "k1", 0)])
    store.create_task(_task("theirs", "k2"), [_clip("theirs", "k2", 0)])
    assert store.get_task_with_clips("theirs", "k1") is None
    assert store.get_task_with_clips("nope", "k1") is None
    assert store.get_task_with_clips("nope", None) is None
    found = store.get_task_with_clips("theirs", None)
    assert found is not None and found[0].key_id == "k2"


def test_task_without_clips_comes_back_with_none(store: Store) -> None:
    store.create_task(_task("lyr", "k1", Action.LYRICS), [])
    result = {"id": "lyr", "status": "complete", "title": "T", "text": "[Verse]\nx", "tags": ""}
    store.set_task_result("lyr", result)
    found = store.get_task_with_clips("lyr", "k1")
    assert found is not None
    task, clips = found
    assert clips == [] and task.clip_ids == [] and task.result == result
    assert task == store.get_task("lyr", "k1")
