"""`act/wav`, `act/mp4`, `act/midi`: media made on request, once per clip (suno-wire.md 2).

wav and midi take well under a second, so the first request renders them synchronously and later
requests find the artifact. The mp4 takes seconds, so the first request enqueues one
`render_mp4` job and answers `state: "running"`; the job stores the artifact and clients poll.

"Never a second render": the check-and-start runs under a per-clip lock in this process, and the
mp4 job is recorded in the clip's metadata (`renders.mp4`) before it is enqueued, so a second
request (in any process) sees it running. A job that died for good leaves that record stale; it
is re-enqueued once it is older than a job's whole retry budget.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

from songsmith.domain.errors import GenerationFailed, NotSupported

if TYPE_CHECKING:
    from songsmith.blobs.typing import BlobStore
    from songsmith.config import Settings
    from songsmith.domain.models import Clip
    from songsmith.engines.score import Score, WordTiming
    from songsmith.engines.typing import Audio
    from songsmith.queue.typing import JobSpec, Lease, Queue
    from songsmith.services.pipeline import PipelineContext
    from songsmith.store.typing import Store

# Render jobs need no engine: they go to the queue every worker serves (see worker/loop.py).
RENDER_QUEUE = "lyrics"
RENDER_JOB_KINDS = {"render_mp4": "mp4", "render_midi": "midi", "render_wav": "wav"}
RENDERS_KEY = "renders"  # clip metadata: {"mp4": {"state": "running", "since": unix_s}}

_locks_guard = threading.Lock()
_locks: dict[tuple[str, str], threading.Lock] = {}


@contextmanager
def _clip_lock(clip_id: str, kind: str) -> Iterator[None]:
    with _locks_guard:
        lock = _locks.setdefault((clip_id, kind), threading.Lock())
    with lock:
        yield
    with _locks_guard:
        if not lock.locked():
            _locks.pop((clip_id, kind), None)


def _read(blobs: BlobStore, blob_id: str) -> bytes:
    return b"".join(blobs.read(blob_id))


def _fresh(store: Store, clip: Clip) -> Clip:
    current = store.get_clip(clip.id, None)
    return current if current is not None else clip


# --- the renders themselves (shared by the synchronous path and the job) --------------------


def clip_master(blobs: BlobStore, clip: Clip) -> tuple[Audio, int]:
    """The clip's mastered audio at its best: the sum of its mastered stem wavs when it has
    them (lossless, and they sum to the master), else the decoded mp3."""
    from songsmith.media.codecs import decode_audio

    stems = [blob for kind, blob in clip.artifacts.items() if kind.startswith("stem:")]
    if stems:
        total: Audio | None = None
        rate = 0
        for blob_id in stems:
            audio, rate = _decode_wav(_read(blobs, blob_id))
            if total is None:
                total = audio.copy()
            else:
                n = max(len(total), len(audio))
                grown = np.zeros((n, 2), np.float32)
                grown[: len(total)] += total
                grown[: len(audio)] += audio
                total = grown
        assert total is not None
        return total, rate
    if "mp3" not in clip.artifacts:
        raise NotSupported("This clip has no audio to render from.")
    return decode_audio(_read(blobs, clip.artifacts["mp3"]), {"mp3"})


def _decode_wav(data: bytes) -> tuple[Audio, int]:
    import io

    import soundfile

    audio, rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
    if audio.shape[1] == 1:
        audio = np.repeat(audio, 2, axis=1)
    return np.ascontiguousarray(audio[:, :2]), int(rate)


def render_wav(blobs: BlobStore, clip: Clip) -> str:
    from songsmith.media.codecs import encode_wav

    audio, rate = clip_master(blobs, clip)
    return blobs.put(encode_wav(audio, rate), content_type="audio/wav", suffix="wav")


def clip_score(blobs: BlobStore, clip: Clip) -> Score | None:
    from songsmith.engines.score import Score

    blob_id = clip.artifacts.get("score")
    if not blob_id:
        return None
    return Score.from_dict(json.loads(_read(blobs, blob_id)))


def clip_analysis(blobs: BlobStore, clip: Clip) -> dict[str, Any] | None:
    """The stored analysis (artifact "analysis", else metadata "analysis")."""
    blob_id = clip.artifacts.get("analysis")
    if blob_id:
        data = json.loads(_read(blobs, blob_id))
        return data if isinstance(data, dict) else None
    meta = clip.metadata.get("analysis")
    return meta if isinstance(meta, dict) else None


def score_from_notes(notes: list[dict[str, Any]], bpm: float, key: str, duration: float) -> Score:
    """A one-track score of transcribed notes (what MIDI export of an upload holds)."""
    from songsmith.engines.score import Note, Score, Track

    track = Track(name="transcription", group="keyboard", program=0)
    track.notes = [
        Note(int(n["pitch"]), float(n["start"]), float(n["end"]), float(n["velocity"]))
        for n in notes
    ]
    return Score(
        bpm=bpm if 30 <= bpm <= 300 else 120.0,
        key=key or "C major",
        time_signature=(4, 4),
        tracks=[track],
        duration_s=duration,
    )


def midi_score(blobs: BlobStore, clip: Clip) -> Score | None:
    """The score MIDI is made from: the composed one, else the notes transcribed from the
    audio (artifact "transcription", or notes inside the analysis); None when neither exists."""
    score = clip_score(blobs, clip)
    if score is not None:
        return score
    analysis = clip_analysis(blobs, clip) or {}
    notes = analysis.get("notes")
    if not isinstance(notes, list) and clip.artifacts.get("transcription"):
        notes = json.loads(_read(blobs, clip.artifacts["transcription"]))
    if not isinstance(notes, list):
        return None
    return score_from_notes(
        notes,
        float(analysis.get("bpm") or clip.metadata.get("bpm") or 120.0),
        str(analysis.get("key") or clip.metadata.get("key") or ""),
        float(clip.duration or 0.0),
    )


def transcribe_clip(blobs: BlobStore, clip: Clip) -> str:
    """basic-pitch over the clip's audio (seconds of CPU per minute): a JSON blob of notes."""
    from songsmith.media.analysis import ANALYSIS_RATE, to_mono, transcribe

    audio, rate = clip_master(blobs, clip)
    notes = transcribe(to_mono(audio, rate), ANALYSIS_RATE)
    return blobs.put(json.dumps(notes).encode(), content_type="application/json", suffix="json")


def render_midi(blobs: BlobStore, clip: Clip) -> str | None:
    from songsmith.media.midi import score_to_midi

    score = midi_score(blobs, clip)
    if score is None:
        return None
    return blobs.put(score_to_midi(score), content_type="audio/midi", suffix="mid")


def clip_words(blobs: BlobStore, clip: Clip) -> list[WordTiming]:
    """Word timings for captions: the timing artifact, else the score's words."""
    from songsmith.engines.score import WordTiming

    blob_id = clip.artifacts.get("timing")
    if blob_id:
        timing = json.loads(_read(blobs, blob_id))
        rows = timing.get("aligned_words", []) if isinstance(timing, dict) else timing
        return [
            WordTiming(str(w["word"]), float(w["start_s"]), float(w["end_s"]))
            for w in rows
            if isinstance(w, dict) and "word" in w
        ]
    score = clip_score(blobs, clip)
    return list(score.words) if score is not None else []


def render_mp4_blob(blobs: BlobStore, clip: Clip) -> str:
    from songsmith.media.mp4 import render_mp4

    audio, rate = clip_master(blobs, clip)
    cover_id = clip.artifacts.get("image_large") or clip.artifacts.get("image")
    cover = _read(blobs, cover_id) if cover_id else b""
    video = render_mp4(
        audio, rate, cover_jpeg=cover, words=clip_words(blobs, clip), title=clip.title
    )
    return blobs.put(video, content_type="video/mp4", suffix="mp4")


# --- wire answers ---------------------------------------------------------------------------


def _wav_answer(state: str, url: str) -> dict[str, Any]:
    inner = {"state": state, "wav_file_url": url}
    return {"code": "success", "message": "", "data": dict(inner), **inner}


def _mp4_answer(state: str, url: str) -> dict[str, Any]:
    inner = {"state": state, "mp4_file_url": url, "video_url": url}
    return {"code": "success", "message": "", "data": dict(inner), **inner}


def wav_for_clip(
    store: Store, blobs: BlobStore, queue: Queue | None, clip: Clip, settings: Settings | None
) -> dict[str, Any]:
    """`GET /suno/act/wav/{id}` of a complete clip: rendered now on first request (< 1 s)."""
    del queue, settings  # synchronous: nothing to enqueue
    if "wav" in clip.artifacts:
        return _wav_answer("complete", blobs.url(clip.artifacts["wav"]))
    with _clip_lock(clip.id, "wav"):
        clip = _fresh(store, clip)
        if "wav" not in clip.artifacts:
            store.add_artifact(clip.id, "wav", render_wav(blobs, clip))
            clip = _fresh(store, clip)
    return _wav_answer("complete", blobs.url(clip.artifacts["wav"]))


def midi_for_clip(
    store: Store, blobs: BlobStore, queue: Queue | None, clip: Clip, settings: Settings | None
) -> dict[str, Any]:
    """`GET /suno/act/midi/{id}`: the score's notes (or an upload's transcription) + a .mid."""
    if "midi" not in clip.artifacts:
        with _clip_lock(clip.id, "midi"):
            clip = _fresh(store, clip)
            if "midi" not in clip.artifacts:
                blob_id = render_midi(blobs, clip)
                if blob_id is None:
                    # No score and no transcription yet: basic-pitch runs in a worker.
                    return _start_job(store, queue, clip, "midi", settings)
                store.add_artifact(clip.id, "midi", blob_id)
                clip = _fresh(store, clip)
    from songsmith.media.midi import score_instruments

    score = midi_score(blobs, clip)
    instruments = score_instruments(score) if score is not None else []
    return {
        "state": "complete",
        "instruments": instruments,
        "midi_url": blobs.url(clip.artifacts["midi"]),
    }


def mp4_for_clip(
    store: Store, blobs: BlobStore, queue: Queue | None, clip: Clip, settings: Settings | None
) -> dict[str, Any]:
    """`GET /suno/act/mp4/{id}`: complete with URLs, or running while one job renders it."""
    if "mp4" in clip.artifacts:
        url = blobs.url(clip.artifacts["mp4"])
        return _mp4_answer("complete", url)
    with _clip_lock(clip.id, "mp4"):
        clip = _fresh(store, clip)
        if "mp4" in clip.artifacts:
            return _mp4_answer("complete", blobs.url(clip.artifacts["mp4"]))
        if queue is None:  # no workers (tests, `render` CLI): render here
            store.add_artifact(clip.id, "mp4", render_mp4_blob(blobs, clip))
            return _mp4_answer("complete", blobs.url(_fresh(store, clip).artifacts["mp4"]))
        answer = _start_job(store, queue, clip, "mp4", settings)
    return _mp4_answer(answer["state"], "")


def _stale_after_s(settings: Settings | None) -> float:
    if settings is None:
        return 3600.0
    return (settings.job_timeout_s + settings.lease_s) * max(1, settings.max_attempts) + 60.0


def _start_job(
    store: Store, queue: Queue | None, clip: Clip, kind: str, settings: Settings | None
) -> dict[str, Any]:
    """Enqueue `render_<kind>` unless one is recorded as running (and not stale)."""
    from songsmith.queue.typing import JobSpec

    if queue is None:
        raise NotSupported(f"Rendering {kind} needs a worker, and none is configured.")
    renders = dict(clip.metadata.get(RENDERS_KEY) or {})
    record = renders.get(kind)
    now = time.time()
    if (
        isinstance(record, dict)
        and record.get("state") == "running"
        and now - float(record.get("since", 0)) < _stale_after_s(settings)
    ):
        return {"state": "running"}
    renders[kind] = {"state": "running", "since": int(now)}
    store.update_clip_metadata(clip.id, {RENDERS_KEY: renders})
    queue.enqueue(
        JobSpec(task_id=clip.task_id, clip_id=clip.id, kind=f"render_{kind}", queue=RENDER_QUEUE)
    )
    return {"state": "running"}


def render_failed(store: Store, spec: JobSpec, error_type: str, message: str) -> None:
    """A render job out of attempts: recorded on the clip (which stays complete), so the next
    request starts a fresh render instead of waiting on one that will never finish."""
    if spec.clip_id is None:
        return
    clip = store.get_clip(spec.clip_id, None)
    kind = RENDER_JOB_KINDS.get(spec.kind)
    if clip is None or kind is None:
        return
    renders = dict(clip.metadata.get(RENDERS_KEY) or {})
    renders[kind] = {"state": "failed", "since": int(time.time()), "error_type": error_type,
                     "error_message": message}  # fmt: skip
    store.update_clip_metadata(clip.id, {RENDERS_KEY: renders})


# --- the worker side ------------------------------------------------------------------------


def run_render_job(ctx: PipelineContext, lease: Lease) -> None:
    """Job body of `render_mp4` / `render_midi` / `render_wav`: render once, store, done.

    Idempotent: an artifact already there means an earlier attempt finished. The clip's status
    is never touched (it is complete); only the artifact is added.
    """
    kind = RENDER_JOB_KINDS.get(lease.spec.kind)
    if kind is None or lease.spec.clip_id is None:
        raise GenerationFailed("internal", f"Not a render job: {lease.spec.kind!r}.")
    clip = ctx.store.get_clip(lease.spec.clip_id, None)
    if clip is None:
        raise GenerationFailed("internal", "The clip of this render job no longer exists.")
    if kind in clip.artifacts:
        return
    if kind == "mp4":
        blob_id: str | None = render_mp4_blob(ctx.blobs, clip)
    elif kind == "wav":
        blob_id = render_wav(ctx.blobs, clip)
    else:
        if midi_score(ctx.blobs, clip) is None:
            ctx.store.add_artifact(clip.id, "transcription", transcribe_clip(ctx.blobs, clip))
            clip = _fresh(ctx.store, clip)
        blob_id = render_midi(ctx.blobs, clip)
    if blob_id is None:
        raise GenerationFailed("not_supported", "This clip has nothing to make MIDI from.")
    current = _fresh(ctx.store, clip)
    if kind in current.artifacts:  # a concurrent attempt won: keep its file, drop ours
        ctx.blobs.delete(blob_id)
        return
    ctx.store.add_artifact(clip.id, kind, blob_id)
    renders = dict(current.metadata.get(RENDERS_KEY) or {})
    renders[kind] = {"state": "complete", "since": int(time.time())}
    ctx.store.update_clip_metadata(clip.id, {RENDERS_KEY: renders})
