"""Domain -> wire mapping of clips and tasks (suno-wire.md 4.1, 4.2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from songsmith.api.suno.mapping import clip_to_wire, iso_ms, task_to_wire
from songsmith.domain.models import Clip, Task
from songsmith.domain.statuses import Action, ClipStatus, Mode, TaskStatus

CLIP_KEYS = {
    "id", "title", "status", "audio_url", "video_url", "image_url", "image_large_url",
    "is_video_pending", "model_name", "major_model_version", "metadata", "created_at",
    "display_name", "handle", "is_liked", "is_trashed", "is_public", "reaction", "play_count",
    "upvote_count", "user_id",
}  # fmt: skip


def url(blob_id: str) -> str:
    return f"https://media.example/files/{blob_id}"


def clip(status: ClipStatus, **kw: object) -> Clip:
    values: dict[str, object] = {
        "id": "c1", "task_id": "t1", "key_id": "k", "index": 0, "status": status,
        "title": "T", "mv": "chirp-v3-5", "created_at": datetime(2026, 11, 26, 3, 10, tzinfo=UTC),
        "artifacts": {"mp3": "a.mp3", "stream": "s.mp3", "image": "i.jpg", "image_large": "l.jpg"},
    }  # fmt: skip
    values.update(kw)
    return Clip(**values)  # type: ignore[arg-type]


def test_iso_ms() -> None:
    moment = datetime(2026, 11, 26, 4, 10, 0, 123456, tzinfo=timezone(timedelta(hours=1)))
    assert iso_ms(moment) == "2026-11-26T03:10:00.123Z"
    assert iso_ms(datetime(2026, 1, 2, 3, 4, 5)) == "2026-01-02T03:04:05.000Z"


def test_urls_by_status() -> None:
    for status in (ClipStatus.SUBMITTED, ClipStatus.QUEUED):
        wire = clip_to_wire(clip(status), url)
        assert set(wire) == CLIP_KEYS
        assert wire["audio_url"] == wire["image_url"] == wire["video_url"] == ""
    streaming = clip_to_wire(clip(ClipStatus.STREAMING, duration=None), url)
    assert streaming["audio_url"] == url("s.mp3") and streaming["metadata"]["duration"] is None
    no_stream = clip_to_wire(clip(ClipStatus.STREAMING, artifacts={}), url)
    assert no_stream["audio_url"] == ""
    done = clip_to_wire(clip(ClipStatus.COMPLETE, duration=12.5), url)
    assert done["audio_url"] == url("a.mp3") and done["image_large_url"] == url("l.jpg")
    assert done["metadata"]["duration"] == 12.5
    assert done["model_name"] == "chirp-v3" and done["major_model_version"] == "v3.5"


def test_error_clip_always_has_a_sentence() -> None:
    wire = clip_to_wire(clip(ClipStatus.ERROR, metadata={}), url)
    assert wire["metadata"]["error_type"] and wire["metadata"]["error_message"]
    wire = clip_to_wire(
        clip(ClipStatus.ERROR, metadata={"error_type": "timeout", "error_message": "Too slow."}),
        url,
    )
    assert wire["metadata"]["error_message"] == "Too slow."


def test_task_object() -> None:
    task = Task(id="t1", key_id="k", action=Action.MUSIC, mode=Mode.CUSTOM,
                status=TaskStatus.IN_PROGRESS, submit_time=100, request={}, progress=42,
                start_time=101, clip_ids=["c1"])  # fmt: skip
    wire = task_to_wire(task, [clip(ClipStatus.STREAMING)], url)
    assert wire["progress"] == "42%" and wire["notify_hook"] == "" and wire["fail_reason"] == ""
    assert (wire["submit_time"], wire["start_time"], wire["finish_time"]) == (100, 101, 0)
    assert len(wire["data"]) == 1
    assert task_to_wire(task, [], url)["data"] is None
    lyrics = Task(id="t2", key_id="k", action=Action.LYRICS, mode=Mode.LYRICS,
                  status=TaskStatus.SUCCESS, submit_time=1, request={},
                  result={"id": "t2", "status": "complete", "title": "x", "text": "y",
                          "tags": "z"})  # fmt: skip
    assert task_to_wire(lyrics, [], url)["data"]["text"] == "y"
