"""The `upload` job: an audio URL fetched (SSRF-guarded), decoded (bounded) and analysed.

The upload keeps its own loudness (it is the user's master): it is only re-encoded to the
delivery mp3. Its analysis (tempo, beats, key, chords, sections) is stored as the clip's
"analysis" artifact and, without the per-beat lists' long tails, in `metadata.analysis`, which is
what the edit modes read (`SourceMaterial.analysis`). Melody notes are not computed here: that is
basic-pitch's slow path, run by `act/midi` on request.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from songsmith.domain.statuses import TaskStatus

if TYPE_CHECKING:
    from songsmith.blobs.typing import BlobStore
    from songsmith.domain.models import ApiKey
    from songsmith.engines.typing import Audio
    from songsmith.queue.typing import Lease
    from songsmith.services.pipeline import PipelineContext
    from songsmith.services.submit import SubmitContext

ANALYSIS_PROGRESS = 40  # percent reached once the file is fetched and decoded


def upload_title(url: str) -> str:
    """A title from the URL's file name ("https://x/My%20Song.mp3" -> "My Song")."""
    from urllib.parse import unquote, urlsplit

    name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return " ".join(stem.replace("_", " ").split())[:60] or "Upload"


def submit_upload(ctx: SubmitContext, key: ApiKey, url: str, raw: dict[str, Any]) -> str:
    """`POST /suno/uploads/audio-url`: a 400 now for a URL that can be refused now; else an
    UPLOAD task whose id is also its one clip's id, and one `upload` job. Returns that id."""
    import time
    import uuid
    from datetime import UTC, datetime

    from songsmith.domain.models import Clip, Task
    from songsmith.domain.statuses import Action, ClipStatus, Mode
    from songsmith.queue.typing import JobSpec
    from songsmith.services.act import RENDER_QUEUE
    from songsmith.services.submit import check_queue_cap, enqueue_all
    from songsmith.services.upload import validate_upload_url

    checked = validate_upload_url(url.strip(), ctx.settings)
    check_queue_cap(ctx, key)
    clip_id = str(uuid.uuid4())
    seed = int(hashlib.sha256(clip_id.encode()).hexdigest()[:7], 16)
    clip = Clip(
        id=clip_id,
        task_id=clip_id,
        key_id=key.id,
        index=0,
        status=ClipStatus.SUBMITTED,
        title=upload_title(checked),
        mv=ctx.settings.default_mv,
        created_at=datetime.now(UTC),
        metadata={"type": "upload", "task": "upload", "stream": False, "seed": seed},
    )
    task = Task(
        id=clip_id,
        key_id=key.id,
        action=Action.UPLOAD,
        mode=Mode.UPLOAD,
        status=TaskStatus.SUBMITTED,
        submit_time=int(time.time()),
        request={**raw, "url": checked},
        clip_ids=[clip_id],
    )
    ctx.store.create_task(task, [clip])
    enqueue_all(ctx, task, [JobSpec(clip_id, clip_id, "upload", RENDER_QUEUE)])
    return clip_id


def _put_json(blobs: BlobStore, value: Any) -> str:
    return blobs.put(json.dumps(value).encode(), content_type="application/json", suffix="json")


def upload_artifacts(
    blobs: BlobStore, audio: Audio, rate: int, *, title: str, seed: int
) -> tuple[dict[str, str], dict[str, Any]]:
    """Store what an uploaded clip serves: mp3, covers, analysis and an (empty-worded) timing
    object with its waveform. Returns (artifacts, metadata); on error nothing is left behind."""
    from songsmith.media.analysis import analyze
    from songsmith.media.codecs import encode_mp3
    from songsmith.media.cover import cover_images
    from songsmith.media.waveform import envelope

    written: dict[str, str] = {}
    try:
        analysis = analyze(audio, rate)
        written["mp3"] = blobs.put(encode_mp3(audio, rate), content_type="audio/mpeg", suffix="mp3")
        small, large = cover_images(title, "", seed)
        written["image"] = blobs.put(small, content_type="image/jpeg", suffix="jpg")
        written["image_large"] = blobs.put(large, content_type="image/jpeg", suffix="jpg")
        written["analysis"] = _put_json(blobs, analysis)
        written["timing"] = _put_json(
            blobs,
            {
                "aligned_words": [],  # nobody sang us these words: nothing to align
                "waveform_data": envelope(audio),
                "hoot_cer": 0.0,
                "is_streamed": False,
            },
        )
    except BaseException:
        for blob_id in written.values():
            blobs.delete(blob_id)
        raise
    duration = round(len(audio) / float(rate), 3)
    metadata: dict[str, Any] = {
        "type": "upload",
        "duration": duration,
        "sample_rate": rate,
        "bpm": analysis["bpm"] or None,
        "key": analysis["key"],
        "time_signature": analysis["time_signature"],
        "analysis": {k: v for k, v in analysis.items() if k not in ("notes", "melody")},
    }
    return written, metadata


def _cover_seed(clip_id: str, metadata: dict[str, Any]) -> int:
    """The clip's seed when submit recorded one, else one derived from its id (stable)."""
    seed = metadata.get("seed")
    if isinstance(seed, int):
        return seed
    return int(hashlib.sha256(clip_id.encode()).hexdigest()[:7], 16)


def run_upload_job(ctx: PipelineContext, lease: Lease) -> None:
    """Job body of `upload`: fetch + decode (`run_upload`), analyse, store, complete the clip."""
    from songsmith.services.pipeline import begin_clip_job, finish_task
    from songsmith.services.upload import run_upload

    store, blobs = ctx.store, ctx.blobs
    begun = begin_clip_job(ctx, lease)  # also settles a task an earlier attempt finished
    if begun is None:
        return
    task, clip = begun
    audio, rate = run_upload(str(task.request.get("url") or ""), ctx.settings)
    store.set_clip_progress(clip.id, lease.attempt, ANALYSIS_PROGRESS)
    written, metadata = upload_artifacts(
        blobs, audio, rate, title=clip.title, seed=_cover_seed(clip.id, clip.metadata)
    )
    if not store.complete_clip(
        clip.id, lease.attempt, duration=metadata["duration"], artifacts=written, metadata=metadata
    ):
        for blob_id in written.values():
            blobs.delete(blob_id)
        return
    finish_task(store, task.id, ctx.settings)
