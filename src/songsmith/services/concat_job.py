"""Concat as a task: `submit_concat` stores it, `run_concat_job` builds the clip's audio.

An extend clip concatenates its chain (`metadata.history`, oldest first, then itself); an infill
clip (`is_infill`) is spliced into the clip it replaced a section of. The joins are made by
`services/concat.py`; the result is mastered once more so the whole song has one loudness.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from songsmith.domain.errors import GenerationFailed, InvalidRequest
from songsmith.domain.models import ApiKey, Clip

if TYPE_CHECKING:
    from songsmith.queue.typing import Lease
    from songsmith.services.pipeline import PipelineContext
    from songsmith.services.submit import SubmitContext
    from songsmith.store.typing import Store

CONCAT_KIND = "concat"


def concat_sources(store: Store, key_id: str, clip: Clip, is_infill: bool) -> list[dict[str, Any]]:
    """The clips to join, as concat_history rows; raises the wire errors a client can cause."""
    from songsmith.services.concat import chain_from_history
    from songsmith.services.fetch import complete_clip

    meta = clip.metadata
    if is_infill:
        if not meta.get("infill") or not meta.get("infill_from_id"):
            raise InvalidRequest(f"Clip {clip.id!r} is not an infill; send is_infill false.")
        source = complete_clip(store, key_id, str(meta["infill_from_id"]))
        return [
            {"id": source.id, "continue_at": None, "type": _kind(source), "infill": False},
            {
                "id": clip.id,
                "continue_at": None,
                "type": "infill",
                "infill": True,
                "infill_start_s": float(meta.get("infill_start_s") or 0.0),
                "infill_end_s": float(meta.get("infill_end_s") or 0.0),
            },
        ]
    history = [h for h in meta.get("history") or [] if isinstance(h, dict)]
    if not history:
        raise InvalidRequest(f"Clip {clip.id!r} is not an extension; there is nothing to join.")
    rows = []
    for clip_id, at, kind in chain_from_history(history, clip.id):
        complete_clip(store, key_id, clip_id)  # every link must still be there and complete
        rows.append({"id": clip_id, "continue_at": at, "type": kind, "infill": False})
    return rows


def _kind(clip: Clip) -> str:
    return "upload" if clip.metadata.get("type") == "upload" else "gen"


def submit_concat(
    ctx: SubmitContext, key: ApiKey, clip_id: str, is_infill: bool, raw: dict[str, Any]
) -> str:
    """Store a CONCAT task with one clip and enqueue its job: the task id."""
    import time
    import uuid
    from datetime import UTC, datetime

    from songsmith.domain.models import Task
    from songsmith.domain.statuses import Action, ClipStatus, Mode, TaskStatus
    from songsmith.queue.typing import JobSpec
    from songsmith.services.act import RENDER_QUEUE
    from songsmith.services.fetch import complete_clip
    from songsmith.services.submit import check_queue_cap, enqueue_all

    last = complete_clip(ctx.store, key.id, clip_id)
    rows = concat_sources(ctx.store, key.id, last, is_infill)
    check_queue_cap(ctx, key)
    task_id = str(uuid.uuid4())
    meta = last.metadata
    clip = Clip(
        id=str(uuid.uuid4()),
        task_id=task_id,
        key_id=key.id,
        index=0,
        status=ClipStatus.SUBMITTED,
        title=last.title,
        mv=last.mv,
        created_at=datetime.now(UTC),
        metadata={
            "tags": meta.get("tags") or "",
            "negative_tags": meta.get("negative_tags") or "",
            "prompt": meta.get("prompt") or "",
            "type": "concat",
            "task": "concat",
            "history": [],
            "concat_history": [{**r, "source": "api"} for r in rows],
            "infill": is_infill,
            "has_vocal": bool(meta.get("has_vocal")),
            "make_instrumental": bool(meta.get("make_instrumental")),
            "refund_credits": False,
            "stream": False,
            "engine": meta.get("engine"),
            "seed": meta.get("seed"),
        },
    )
    task = Task(
        id=task_id,
        key_id=key.id,
        action=Action.MUSIC,
        mode=Mode.CONCAT,
        status=TaskStatus.SUBMITTED,
        submit_time=int(time.time()),
        request=raw,
        clip_ids=[clip.id],
    )
    ctx.store.create_task(task, [clip])
    enqueue_all(ctx, task, [JobSpec(task_id, clip.id, CONCAT_KIND, RENDER_QUEUE, {})])
    return task_id


def run_concat_job(ctx: PipelineContext, lease: Lease) -> None:
    """Job body of `concat`: decode the linked clips, join them, master, store."""
    from songsmith.media.codecs import decode_audio
    from songsmith.media.cover import cover_images
    from songsmith.media.master import master
    from songsmith.services.concat import ChainPiece, concat_chain, splice_infill
    from songsmith.services.pipeline import begin_clip_job, finish_task

    store, blobs = ctx.store, ctx.blobs
    begun = begin_clip_job(ctx, lease)
    if begun is None:
        return
    task, clip = begun
    rows = [r for r in clip.metadata.get("concat_history") or [] if isinstance(r, dict)]
    audio: list[Any] = []
    rate = 44100
    for row in rows:
        linked = store.get_clip(str(row.get("id")), task.key_id)
        if linked is None or "mp3" not in linked.artifacts:
            raise GenerationFailed("clip_not_exist", f"Clip {row.get('id')} of the chain is gone.")
        decoded, rate = decode_audio(b"".join(blobs.read(linked.artifacts["mp3"])), {"mp3"})
        audio.append(decoded)
    store.set_clip_progress(clip.id, lease.attempt, 40)
    if clip.metadata.get("infill"):
        inner = rows[1]
        song = splice_infill(
            audio[0], audio[1], float(inner["infill_start_s"]), float(inner["infill_end_s"]), rate
        )
    else:
        pieces = [
            ChainPiece(str(r["id"]), a, r.get("continue_at"), str(r.get("type") or "gen"))
            for r, a in zip(rows, audio, strict=True)
        ]
        song = concat_chain(pieces, rate)
    mastered = master(song, {}, rate)
    store.set_clip_progress(clip.id, lease.attempt, 80)
    written: dict[str, str] = {}
    try:
        written["mp3"] = blobs.put(mastered.mp3, content_type="audio/mpeg", suffix="mp3")
        seed = int(clip.metadata.get("seed") or 0)
        small, large = cover_images(clip.title, str(clip.metadata.get("tags") or ""), seed)
        written["image"] = blobs.put(small, content_type="image/jpeg", suffix="jpg")
        written["image_large"] = blobs.put(large, content_type="image/jpeg", suffix="jpg")
    except BaseException:
        for blob_id in written.values():
            blobs.delete(blob_id)
        raise
    duration = round(len(mastered.mix) / float(mastered.sample_rate), 3)
    if not store.complete_clip(
        clip.id, lease.attempt, duration=duration, artifacts=written, metadata={"type": "concat"}
    ):
        for blob_id in written.values():
            blobs.delete(blob_id)
        return
    finish_task(store, task.id, ctx.settings)
