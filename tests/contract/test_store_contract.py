"""The store port's contract: every Store implementation passes these."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from songsmith.domain.models import ApiKey, Clip, Persona, Task
from songsmith.domain.statuses import Action, ClipStatus, Mode, TaskStatus
from songsmith.store.typing import Store

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def make_task(task_id: str = "t1", key_id: str = "k1", n_clips: int = 2) -> tuple[Task, list[Clip]]:
    task = Task(
        id=task_id,
        key_id=key_id,
        action=Action.MUSIC,
        mode=Mode.CUSTOM,
        status=TaskStatus.SUBMITTED,
        submit_time=1_700_000_000,
        request={"prompt": "[Verse]\nla la", "tags": "pop", "unknown_field": [1, 2]},
        notify_hook="https://example.com/hook",
    )
    clips = [
        Clip(
            id=f"{task_id}-c{i}",
            task_id=task_id,
            key_id=key_id,
            index=i,
            status=ClipStatus.SUBMITTED,
            title="City Lights",
            mv="chirp-auk",
            created_at=NOW,
            metadata={"tags": "pop", "seed": 7 + i},
        )
        for i in range(n_clips)
    ]
    return task, clips


def test_keys_roundtrip_and_revoke(store: Store) -> None:
    secret = "sk-" + secrets.token_hex(32)
    digest = hashlib.sha256(secret.encode()).hexdigest()
    key = ApiKey(id="key_a", name="dev", key_hash=digest, webhook_secret="whsec_x", created_at=NOW)
    store.create_key(key)
    found = store.find_key_by_hash(digest)
    assert found == key
    assert store.find_key_by_hash("0" * 64) is None
    assert [k.id for k in store.list_keys()] == ["key_a"]
    assert store.revoke_key("key_a") is True
    assert store.revoke_key("key_a") is False
    assert store.find_key_by_hash(digest) is None
    assert store.list_keys()[0].revoked is True


def test_task_roundtrip_is_scoped_to_key(store: Store) -> None:
    task, clips = make_task()
    store.create_task(task, clips)
    got = store.get_task("t1", "k1")
    assert got is not None
    assert got.request == task.request
    assert got.clip_ids == ["t1-c0", "t1-c1"]
    assert got.status is TaskStatus.SUBMITTED and got.notify_hook == task.notify_hook
    assert store.get_task("t1", "other") is None
    assert store.get_task("t1", None) is not None
    assert store.get_task("nope", "k1") is None
    clip = store.get_clip("t1-c1", "k1")
    assert clip is not None and clip.index == 1 and clip.metadata["seed"] == 8
    assert clip.created_at == NOW
    assert store.get_clip("t1-c1", "other") is None
    assert [c.id for c in store.get_clips("t1")] == ["t1-c0", "t1-c1"]


def test_get_tasks_keeps_request_order_and_drops_foreign(store: Store) -> None:
    for task_id, key in (("a", "k1"), ("b", "k1"), ("c", "k2")):
        task, clips = make_task(task_id, key)
        store.create_task(task, clips)
    got = store.get_tasks(["b", "c", "zzz", "a"], "k1")
    assert [t.id for t in got] == ["b", "a"]
    assert store.get_tasks([], "k1") == []


def test_count_open_tasks_and_counts(store: Store) -> None:
    for task_id in ("a", "b", "c"):
        task, clips = make_task(task_id)
        store.create_task(task, clips)
    store.set_task_status("a", TaskStatus.FAILURE, fail_reason="boom")
    assert store.count_open_tasks("k1") == 2
    assert store.count_open_tasks("k2") == 0
    assert store.task_counts() == {"SUBMITTED": 2, "FAILURE": 1}


def test_task_status_moves_forward_only_and_never_leaves_terminal(store: Store) -> None:
    task, clips = make_task()
    store.create_task(task, clips)
    store.set_task_status("t1", TaskStatus.IN_PROGRESS)
    store.set_task_status("t1", TaskStatus.QUEUED)  # late: ignored
    got = store.get_task("t1", None)
    assert got is not None and got.status is TaskStatus.IN_PROGRESS and got.start_time > 0
    store.set_task_status("t1", TaskStatus.FAILURE, fail_reason="The engine crashed.")
    store.set_task_status("t1", TaskStatus.SUCCESS)
    got = store.get_task("t1", None)
    assert got is not None and got.status is TaskStatus.FAILURE
    assert got.fail_reason == "The engine crashed." and got.finish_time >= got.start_time


def test_task_result_for_lyrics(store: Store) -> None:
    task, _ = make_task()
    task.action = Action.LYRICS
    store.create_task(task, [])
    result = {"id": "t1", "status": "complete", "title": "T", "text": "[Verse]\nx", "tags": "pop"}
    store.set_task_result("t1", result)
    got = store.get_task("t1", "k1")
    assert got is not None and got.result == result and got.clip_ids == []


def test_clip_life_is_fenced_by_attempt(store: Store) -> None:
    task, clips = make_task()
    store.create_task(task, clips)
    assert store.start_clip("t1-c0", 1)
    assert store.set_clip_progress("t1-c0", 1, 30, stream_blob="a" * 32 + ".mp3")
    assert store.set_clip_progress("t1-c0", 1, 10)  # accepted, but never backwards
    clip = store.get_clip("t1-c0", None)
    assert clip is not None and clip.status is ClipStatus.STREAMING and clip.progress == 30
    assert clip.artifacts["stream"] == "a" * 32 + ".mp3"
    # attempt 2 takes over (attempt 1's worker was presumed dead); attempt 1 is now stale
    assert store.start_clip("t1-c0", 2)
    assert not store.set_clip_progress("t1-c0", 1, 50)
    assert not store.complete_clip("t1-c0", 1, duration=1.0, artifacts={"mp3": "x"}, metadata={})
    assert not store.start_clip("t1-c0", 1)
    assert store.complete_clip(
        "t1-c0",
        2,
        duration=12.5,
        artifacts={"mp3": "b" * 32 + ".mp3"},
        metadata={"bpm": 120},
        title="New",
    )
    clip = store.get_clip("t1-c0", None)
    assert clip is not None and clip.status is ClipStatus.COMPLETE and clip.duration == 12.5
    assert clip.artifacts["mp3"] == "b" * 32 + ".mp3" and clip.metadata["bpm"] == 120
    assert clip.metadata["seed"] == 7 and clip.title == "New" and clip.progress == 100
    # terminal: nothing more
    assert not store.complete_clip("t1-c0", 2, duration=1, artifacts={}, metadata={})
    assert not store.fail_clip("t1-c0", None, "internal", "late")


def test_refresh_task_success_and_progress(store: Store) -> None:
    task, clips = make_task()
    store.create_task(task, clips)
    assert store.refresh_task("t1").status is TaskStatus.SUBMITTED
    store.start_clip("t1-c0", 1)
    store.set_clip_progress("t1-c0", 1, 50)
    got = store.refresh_task("t1")
    assert got.status is TaskStatus.IN_PROGRESS and got.progress == 25
    store.complete_clip("t1-c0", 1, duration=3, artifacts={}, metadata={})
    got = store.refresh_task("t1")
    assert got.status is TaskStatus.IN_PROGRESS and got.progress == 50
    store.start_clip("t1-c1", 1)
    store.complete_clip("t1-c1", 1, duration=3, artifacts={}, metadata={})
    got = store.refresh_task("t1")
    assert got.status is TaskStatus.SUCCESS and got.progress == 100 and got.finish_time > 0


def test_refresh_task_failure_keeps_completed_clips(store: Store) -> None:
    task, clips = make_task()
    store.create_task(task, clips)
    store.start_clip("t1-c0", 1)
    store.set_clip_progress("t1-c0", 1, 80)
    store.complete_clip("t1-c0", 1, duration=3, artifacts={"mp3": "m"}, metadata={})
    assert store.fail_clip("t1-c1", None, "timeout", "The job ran past its 600 s limit.")
    got = store.refresh_task("t1")
    assert got.status is TaskStatus.FAILURE
    assert got.fail_reason == "The job ran past its 600 s limit."
    assert got.progress < 100
    c0, c1 = store.get_clips("t1")
    assert c0.status is ClipStatus.COMPLETE and c0.artifacts == {"mp3": "m"}
    assert c1.status is ClipStatus.ERROR and c1.metadata["error_type"] == "timeout"


def test_fail_clip_fenced_unless_attempt_is_none(store: Store) -> None:
    task, clips = make_task()
    store.create_task(task, clips)
    store.start_clip("t1-c0", 2)
    assert not store.fail_clip("t1-c0", 1, "internal", "stale")
    assert store.fail_clip("t1-c0", 2, "internal", "The engine raised an error.")


def test_artifacts_and_metadata_patches(store: Store) -> None:
    task, clips = make_task()
    store.create_task(task, clips)
    store.add_artifact("t1-c0", "wav", "w.wav")
    store.add_artifact("t1-c0", "mp4", "v.mp4")
    store.update_clip_metadata("t1-c0", {"history": [{"id": "x"}]})
    clip = store.get_clip("t1-c0", None)
    assert clip is not None
    assert clip.artifacts == {"wav": "w.wav", "mp4": "v.mp4"}
    assert clip.metadata["history"] == [{"id": "x"}] and clip.metadata["tags"] == "pop"


def test_personas_scoped_to_key(store: Store) -> None:
    persona = Persona(
        id="p1",
        key_id="k1",
        name="Nova",
        description="bright",
        root_clip_id="t1-c0",
        clip_ids=["t1-c0"],
        is_public=False,
        created_at=NOW,
        profile={"voice": "f1"},
    )
    store.create_persona(persona)
    assert store.get_persona("p1", "k1") == persona
    assert store.get_persona("p1", "k2") is None
    assert store.get_persona("p1", None) == persona


def test_ping(store: Store) -> None:
    store.ping()
