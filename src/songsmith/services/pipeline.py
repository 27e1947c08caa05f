"""Execute one claimed job (a `Lease`): the work a worker does, kind by kind.

`execute(ctx, lease)` returns normally when the job is done (or was already done: every step is
idempotent), raises `GenerationFailed` for a failure that retrying cannot fix, and lets any other
exception mean "this attempt failed, retry". The worker turns those into queue calls; after the
last attempt it calls `finish_failed` here.

Outputs are written as new write-once blobs per attempt; only `complete_clip` (fenced by the
attempt) makes them visible, and an attempt that lost the race deletes what it wrote.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from songsmith.domain.errors import GenerationFailed, NotSupported
from songsmith.domain.statuses import Mode, TaskStatus

if TYPE_CHECKING:
    from songsmith.blobs.typing import BlobStore
    from songsmith.config import Settings
    from songsmith.domain.models import Clip, Task
    from songsmith.engines.registry import EngineRegistry
    from songsmith.engines.typing import Audio, GenerationJob, Song, SourceMaterial
    from songsmith.queue.typing import JobSpec, Lease
    from songsmith.services.stream import ClipStream
    from songsmith.store.typing import Store

log = logging.getLogger(__name__)

# Share of a clip's progress the engine's own (done, total) covers; the rest is mastering,
# encoding and storing.
ENGINE_PROGRESS_SHARE = 90
_PROGRESS_MIN_INTERVAL_S = 0.25


@dataclass
class PipelineContext:
    """Long-lived state of one worker process (engines stay loaded across jobs)."""

    settings: Settings
    store: Store
    blobs: BlobStore
    engines: EngineRegistry


Handler = Callable[[PipelineContext, "Lease"], None]


# A full disk (or quota, or file-size limit) is not worth retrying at once: the clip fails with a
# message saying so, and the worker stays up to take the next job once space is back.
_NO_SPACE = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
STORAGE_FULL_MESSAGE = (
    "The server ran out of storage space while saving this clip ({detail}). Nothing partial was "
    "kept; submit again once space has been freed."
)


# Kinds whose every output blob ends up only in their own clip's artifacts, published by
# `complete_clip` fenced by the attempt: once that clip is terminal or owned by a newer attempt,
# an unreferenced blob of theirs is an orphan. Render jobs add artifacts to a clip that is
# already complete (unfenced `add_artifact`), so they are not journaled.
JOURNALED_KINDS = frozenset({"generate", "upload", "stem", "concat"})


def execute(ctx: PipelineContext, lease: Lease) -> None:
    handler = HANDLERS.get(lease.spec.kind)
    if handler is None:
        raise GenerationFailed(
            "not_supported", f"This server cannot run jobs of kind {lease.spec.kind!r} yet."
        )
    try:
        _run_journaled(ctx, lease, handler)
    except OSError as exc:
        if exc.errno not in _NO_SPACE:
            raise
        detail = os.strerror(exc.errno) if exc.errno is not None else str(exc)
        raise GenerationFailed("storage_full", STORAGE_FULL_MESSAGE.format(detail=detail)) from exc


def _run_journaled(ctx: PipelineContext, lease: Lease, handler: Handler) -> None:
    """Run the handler with every blob it creates journaled under (clip, attempt), and collect
    the attempt's unreferenced blobs on the way out (the reaper's janitor does it for attempts
    that were killed)."""
    from songsmith.blobs.journal import AttemptJournal, JournaledBlobStore, collect_attempt
    from songsmith.blobs.local import LocalBlobStore

    clip_id = lease.spec.clip_id
    if (
        clip_id is None
        or lease.spec.kind not in JOURNALED_KINDS
        or not isinstance(ctx.blobs, LocalBlobStore)
    ):
        handler(ctx, lease)
        return
    try:
        journal = AttemptJournal.for_attempt(ctx.blobs.root, clip_id, lease.attempt)
    except ValueError:  # an id that cannot name a file: run unjournaled rather than fail the job
        log.warning("clip id %r cannot name a blob journal; its blobs are not journaled", clip_id)
        handler(ctx, lease)
        return
    try:
        handler(replace(ctx, blobs=JournaledBlobStore(ctx.blobs, journal)), lease)
    finally:
        try:
            collect_attempt(ctx.store, ctx.blobs, journal, writer_done=True)
        except Exception:  # the janitor will try again; the job's own outcome matters more
            log.exception(
                "collecting the blobs of clip %s attempt %d failed", clip_id, lease.attempt
            )


# --- generate --------------------------------------------------------------------------------


def _seed_for(task: Task, clip: Clip) -> int:
    recorded = clip.metadata.get("seed")
    if isinstance(recorded, int):
        return recorded
    base = task.request.get("seed")
    if not isinstance(base, int):
        # Stable across retries and shared by the task's clips, yet unpredictable per task.
        base = int(hashlib.sha256(task.id.encode()).hexdigest()[:7], 16)
    return base + clip.index


def _vocal_gender(request: dict[str, Any]) -> str | None:
    value = request.get("vocal_gender")
    meta = request.get("metadata")
    if not value and isinstance(meta, dict):
        value = meta.get("vocal_gender")
    return value if value in ("f", "m") else None


def build_job(ctx: PipelineContext, task: Task, clip: Clip, spec: JobSpec) -> GenerationJob:
    """The engine's view of a clip, from the request as stored (inherited fields included)."""
    from songsmith.domain.model_versions import model_version
    from songsmith.engines.typing import GenerationJob

    request = task.request
    mode = Mode(spec.payload.get("mode", task.mode.value))
    _, preset = ctx.settings.engine_for_mv(clip.mv)
    preset = str(spec.payload.get("preset") or preset)
    instrumental = mode is Mode.INSTRUMENTAL or bool(request.get("make_instrumental"))
    lyrics = (
        "" if mode in (Mode.INSTRUMENTAL, Mode.INSPIRATION) else str(request.get("prompt") or "")
    )
    extra: dict[str, Any] = {}
    meta = request.get("metadata")
    if isinstance(meta, dict) and isinstance(meta.get("control_sliders"), dict):
        extra["control_sliders"] = meta["control_sliders"]
    if request.get("gpt_description_prompt"):
        extra["gpt_description_prompt"] = str(request["gpt_description_prompt"])
    for name in ("stem_type_group_name", "stem_task", "override_fields"):
        if request.get(name) is not None:
            extra[name] = request[name]
    if isinstance(spec.payload.get("testing"), dict):
        extra["testing"] = spec.payload["testing"]
    tags = str(request.get("tags") or "")
    title = clip.title or str(request.get("title") or "")
    if mode is Mode.INSPIRATION:
        written = _inspiration_lyrics(ctx, task)
        lyrics = "" if instrumental else written.text
        tags = tags or written.tags
        title = str(request.get("title") or "") or written.title
        extra["written"] = {"title": title, "tags": tags, "prompt": lyrics}
    return GenerationJob(
        mode=mode,
        seed=_seed_for(task, clip),
        max_duration_s=model_version(clip.mv).max_duration_s,
        lyrics=lyrics,
        tags=tags,
        negative_tags=str(request.get("negative_tags") or ""),
        title=title,
        instrumental=instrumental,
        vocal_gender=_vocal_gender(request),
        preset=preset,
        clip_index=clip.index,
        source=load_source(ctx, task, mode),
        continue_at=_float_or_none(request.get("continue_at")),
        window=_window(request, mode),
        persona=_persona_profile(ctx, task) if mode is Mode.ARTIST_CONSISTENCY else None,
        extra=extra,
    )


def _persona_profile(ctx: PipelineContext, task: Task) -> dict[str, Any] | None:
    """The voice and style profile of the request's persona (None when it is gone)."""
    persona_id = task.request.get("persona_id")
    persona = ctx.store.get_persona(str(persona_id), task.key_id) if persona_id else None
    if persona is None:
        return None
    return {**persona.profile, "persona_id": persona.id}


def _task_seed(task: Task) -> int:
    seed = task.request.get("seed")
    if isinstance(seed, int):
        return seed
    return int(hashlib.sha256(task.id.encode()).hexdigest()[:7], 16)


def _inspiration_lyrics(ctx: PipelineContext, task: Task) -> Any:
    """Inspiration mode: the writer turns the description into title, tags and lyrics.

    Seeded by the task (not the clip) so both clips of a submit sing the same words, as Suno's do.
    """
    from songsmith.lyrics import write_lyrics

    prompt = str(task.request.get("gpt_description_prompt") or "")
    return write_lyrics(prompt, _task_seed(task), ctx.settings)


def _float_or_none(value: Any) -> float | None:
    try:
        return None if value is None or value == "" else float(value)
    except (TypeError, ValueError):
        return None


_SOURCE_FIELD = {
    Mode.EXTEND: "continue_clip_id",
    Mode.UPLOAD_EXTEND: "continue_clip_id",
    Mode.INFILL: "continue_clip_id",
    Mode.GEN_STEM: "continue_clip_id",
    Mode.COVER: "cover_clip_id",
    Mode.ARTIST_CONSISTENCY: "artist_clip_id",
    Mode.UNDERPAINTING: "underpainting_clip_id",
    Mode.OVERPAINTING: "overpainting_clip_id",
}
_WINDOW_FIELDS = {
    Mode.INFILL: ("infill_start_s", "infill_end_s"),
    Mode.UNDERPAINTING: ("underpainting_start_s", "underpainting_end_s"),
    Mode.OVERPAINTING: ("overpainting_start_s", "overpainting_end_s"),
}


def _window(request: dict[str, Any], mode: Mode) -> tuple[float, float] | None:
    names = _WINDOW_FIELDS.get(mode)
    if names is None:
        return None
    start, end = (_float_or_none(request.get(n)) for n in names)
    if start is None or end is None:
        return None
    return (start, end)


def load_source(ctx: PipelineContext, task: Task, mode: Mode) -> SourceMaterial | None:
    """The clip an edit mode builds on: decoded audio, its score and stems when stored."""
    name = _SOURCE_FIELD.get(mode)
    if name is None or not task.request.get(name):
        return None
    from songsmith.engines.score import Score
    from songsmith.engines.typing import SourceMaterial
    from songsmith.media.codecs import decode_audio

    source = ctx.store.get_clip(str(task.request[name]), task.key_id)
    if source is None or "mp3" not in source.artifacts:
        raise GenerationFailed("clip_not_exist", f"The source clip {task.request[name]} is gone.")
    audio, rate = decode_audio(_read(ctx.blobs, source.artifacts["mp3"]), {"mp3"})
    score = None
    if "score" in source.artifacts:
        score = Score.from_dict(json.loads(_read(ctx.blobs, source.artifacts["score"])))
    stems: dict[str, Audio] = {}
    for kind, blob_id in source.artifacts.items():
        if kind.startswith("stem:"):
            stems[kind[5:]], _ = decode_audio(_read(ctx.blobs, blob_id), {"wav"})
    return SourceMaterial(
        clip_id=source.id,
        audio=audio,
        sample_rate=rate,
        score=score,
        stems=stems,
        metadata=dict(source.metadata),
        analysis=source.metadata.get("analysis"),
    )


def _read(blobs: BlobStore, blob_id: str) -> bytes:
    return b"".join(blobs.read(blob_id))


@dataclass
class _ClipFeedback:
    """Engine callbacks -> throttled, monotonic progress rows and a progressive mp3 stream."""

    ctx: PipelineContext
    clip_id: str
    task_id: str
    attempt: int
    sample_rate: int
    last_percent: int = -1
    last_write: float = 0.0
    stream: ClipStream | None = None
    lost: bool = False
    replaced_stream: str | None = None  # an earlier, dead attempt's stream, deleted once ours is in

    def progress(self, done: int, total: int) -> None:
        percent = int(ENGINE_PROGRESS_SHARE * done / total) if total > 0 else 0
        now = time.monotonic()
        if percent <= self.last_percent or now - self.last_write < _PROGRESS_MIN_INTERVAL_S:
            return
        self._set(percent)

    def _set(self, percent: int, stream_blob: str | None = None) -> None:
        self.last_percent, self.last_write = max(percent, self.last_percent), time.monotonic()
        ok = self.ctx.store.set_clip_progress(
            self.clip_id, self.attempt, max(percent, 0), stream_blob=stream_blob
        )
        if not ok:
            # A newer attempt owns the clip: finishing would be wasted work.
            self.lost = True
            raise _LeaseLost()
        self.ctx.store.refresh_task(self.task_id)

    def audio(self, chunk: Audio) -> None:
        if self.stream is None:
            from songsmith.services.stream import ClipStream

            self.stream = ClipStream(self.ctx.blobs, self.sample_rate, self._stream_opened)
        self.stream.feed(chunk)

    def _stream_opened(self, blob_id: str) -> None:
        self._set(max(self.last_percent, 0), stream_blob=blob_id)
        if self.replaced_stream and self.replaced_stream != blob_id:
            # No longer referenced by the clip: the attempt that wrote it is gone.
            self.ctx.blobs.delete(self.replaced_stream)
            self.replaced_stream = None

    @property
    def stream_blob(self) -> str | None:
        return self.stream.blob_id if self.stream is not None else None

    def finish_stream(self, final_mp3: bytes | None = None, total_samples: int = 0) -> None:
        """Complete and close the stream (once; later calls do nothing). It is a preview: a
        failure is logged, never fails the clip."""
        if self.stream is None:
            return
        try:
            self.stream.finish(final_mp3, total_samples)
        except Exception:
            log.exception("finishing the stream of clip %s failed", self.clip_id)


class _LeaseLost(Exception):
    """Raised out of an engine callback when a newer attempt took the clip over."""


def begin_clip_job(ctx: PipelineContext, lease: Lease) -> tuple[Task, Clip] | None:
    """The task and clip of a one-clip job, the clip started under this attempt; None when
    there is nothing to do (already finished, or a newer attempt owns the clip)."""
    spec = lease.spec
    store = ctx.store
    if spec.clip_id is None:
        raise GenerationFailed("internal", f"A {spec.kind} job needs a clip.")
    task = store.get_task(spec.task_id, None)
    clip = store.get_clip(spec.clip_id, None)
    if task is None or clip is None:
        raise GenerationFailed("internal", "The task or clip of this job no longer exists.")
    if clip.status.terminal or task.status.terminal:
        # An earlier attempt already finished it (at-least-once, effects once); it may have been
        # killed before it settled the task, so settle it now.
        if not task.status.terminal:
            finish_task(store, task.id, ctx.settings)
        return None
    if not store.start_clip(clip.id, lease.attempt):
        return None  # a newer attempt owns the clip
    store.set_task_status(task.id, TaskStatus.IN_PROGRESS)
    return task, clip


def run_generate(ctx: PipelineContext, lease: Lease) -> None:
    spec = lease.spec
    store = ctx.store
    begun = begin_clip_job(ctx, lease)
    if begun is None:
        return
    task, clip = begun

    engine_name = str(spec.payload.get("engine") or ctx.settings.engine_for_mv(clip.mv)[0])
    job = build_job(ctx, task, clip, spec)
    try:
        engine = ctx.engines.get(engine_name, job.preset)
    except NotSupported as exc:  # unknown or not installed here: retrying will not help
        raise GenerationFailed("engine_unavailable", exc.message) from None
    if job.mode not in engine.capabilities.modes:
        raise GenerationFailed(
            "not_supported", f"The {engine_name} engine cannot do {job.mode.value!r}."
        )
    feedback = _ClipFeedback(ctx, clip.id, task.id, lease.attempt, engine.capabilities.sample_rate)
    feedback.replaced_stream = clip.artifacts.get("stream")
    try:
        try:
            feedback._set(0)
            song = engine.generate(
                job, feedback.progress, feedback.audio if engine.capabilities.streams else None
            )
        except _LeaseLost:
            return
        # The stream goes on with the final mp3's frames as soon as that is encoded.
        published = _publish(
            ctx,
            lease.attempt,
            clip,
            job,
            song,
            engine_name,
            feedback.stream_blob,
            on_mp3=lambda mp3: feedback.finish_stream(mp3, len(song.mix)),
        )
    finally:
        feedback.finish_stream()  # closes it on the ways out that did not finish it
    if published:
        finish_task(store, task.id, ctx.settings)


def _publish(
    ctx: PipelineContext,
    attempt: int,
    clip: Clip,
    job: GenerationJob,
    song: Song,
    engine_name: str,
    stream_blob: str | None,
    on_mp3: Callable[[bytes], None] | None = None,
) -> bool:
    """Store the media of one clip and complete it, fenced by `attempt`. False: a newer attempt
    owns the clip, and this attempt's files are removed again (only the winner's stay)."""
    store = ctx.store
    artifacts, duration, metadata = store_outputs(
        ctx.blobs, song, job, job.title or clip.title, on_mp3=on_mp3
    )
    metadata.update(_clip_metadata(song, job, engine_name, duration))
    written = job.extra.get("written")
    if isinstance(written, dict):  # inspiration: show what songsmith wrote and sang
        metadata.update(prompt=written["prompt"], tags=written["tags"])
    if store.complete_clip(
        clip.id,
        attempt,
        duration=duration,
        artifacts=artifacts,
        metadata=metadata,
        title=written["title"] if isinstance(written, dict) else None,
    ):
        return True
    current = store.get_clip(clip.id, None)
    for blob_id in artifacts.values():
        ctx.blobs.delete(blob_id)
    if stream_blob is not None and (
        current is None or current.artifacts.get("stream") != stream_blob
    ):
        ctx.blobs.delete(stream_blob)
    return False


def run_generate_batch(ctx: PipelineContext, lease: Lease) -> None:
    """Every clip of a task in one engine call (engines that batch, e.g. ACE-Step on a GPU,
    denoise both clips of a submit together). One lease fences all of its clips."""
    spec = lease.spec
    store = ctx.store
    task = store.get_task(spec.task_id, None)
    if task is None:
        raise GenerationFailed("internal", "The task of this job no longer exists.")
    if task.status.terminal:
        return
    clips = [c for c in store.get_clips(task.id) if c.id in spec.payload.get("clip_ids", [])]
    # clips an earlier attempt finished stay as they are (effects once)
    todo = [c for c in clips if not c.status.terminal and store.start_clip(c.id, lease.attempt)]
    if not todo:
        finish_task(store, task.id, ctx.settings)
        return
    store.set_task_status(task.id, TaskStatus.IN_PROGRESS)
    engine_name = str(spec.payload.get("engine") or ctx.settings.engine_for_mv(todo[0].mv)[0])
    jobs = [build_job(ctx, task, clip, spec) for clip in todo]
    try:
        engine = ctx.engines.get(engine_name, jobs[0].preset)
    except NotSupported as exc:
        raise GenerationFailed("engine_unavailable", exc.message) from None
    feedback = [
        _ClipFeedback(ctx, c.id, task.id, lease.attempt, engine.capabilities.sample_rate)
        for c in todo
    ]

    def progress(done: int, total: int) -> None:
        for one in feedback:
            one.progress(done, total)

    try:
        for one in feedback:
            one._set(0)
        generate_batch = getattr(engine, "generate_batch", None)
        if generate_batch is not None:
            songs = list(generate_batch(jobs, progress))
        else:
            songs = [engine.generate(job, progress) for job in jobs]
    except _LeaseLost:
        return
    for clip, job, song in zip(todo, jobs, songs, strict=True):
        _publish(ctx, lease.attempt, clip, job, song, engine_name, None)
    finish_task(store, task.id, ctx.settings)


def _clip_metadata(song: Song, job: GenerationJob, engine: str, duration: float) -> dict[str, Any]:
    meta = {k: v for k, v in song.metadata.items() if _json_safe(v)}
    meta.update({"engine": meta.get("engine", engine), "seed": job.seed, "duration": duration})
    if song.score is not None:
        meta.setdefault("bpm", song.score.bpm)
        meta.setdefault("key", song.score.key)
        ts = song.score.time_signature
        meta.setdefault("time_signature", f"{ts[0]}/{ts[1]}")
    return meta


def _json_safe(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def store_outputs(
    blobs: BlobStore,
    song: Song,
    job: GenerationJob,
    title: str,
    on_mp3: Callable[[bytes], None] | None = None,
) -> tuple[dict[str, str], float, dict[str, Any]]:
    """Master, encode and store every eager artifact. Returns (artifacts, duration, metadata).
    `on_mp3` receives the final mp3 as soon as it is stored (the clip's stream goes on with it)."""
    from songsmith.media.codecs import encode_mp3, encode_wav
    from songsmith.media.cover import cover_images
    from songsmith.media.master import delivery_stem, master

    written: dict[str, str] = {}
    try:
        # The mix is mastered in place (the pre-master audio is not used again); the stems stay
        # out of it and get its gain as each one's wav is written, one at a time (an engine's
        # stems may be packed, media/packed.py: each is unpacked only there).
        mastered = master(song.mix, {}, song.sample_rate, in_place=True)
        rate = mastered.sample_rate
        # The master hands back the mp3 it measured; encode only if it did not.
        mp3 = mastered.mp3 or encode_mp3(mastered.mix, rate)
        written["mp3"] = blobs.put(mp3, content_type="audio/mpeg", suffix="mp3")
        if on_mp3 is not None:
            on_mp3(mp3)
        small, large = cover_images(title, job.tags, job.seed)
        written["image"] = blobs.put(small, content_type="image/jpeg", suffix="jpg")
        written["image_large"] = blobs.put(large, content_type="image/jpeg", suffix="jpg")
        for group, stem in song.stems.items():
            delivered = delivery_stem(stem, song.sample_rate, len(mastered.mix))
            wav = encode_wav(delivered, rate, gain=mastered.gain)
            del stem, delivered  # before the next stem is unpacked
            written[f"stem:{group}"] = blobs.put(wav, content_type="audio/wav", suffix="wav")
        if song.score is not None:
            score_json = json.dumps(song.score.to_dict()).encode()
            written["score"] = blobs.put(score_json, content_type="application/json", suffix="json")
        words = song.words or (song.score.words if song.score is not None else [])
        timing = {
            "aligned_words": [
                {
                    "word": w.word,
                    "success": True,
                    "start_s": w.start_s,
                    "end_s": w.end_s,
                    "p_align": 1.0,
                }
                for w in words
            ],
            "hoot_cer": 0.0,
            "is_streamed": False,
        }
        written["timing"] = blobs.put(
            json.dumps(timing).encode(), content_type="application/json", suffix="json"
        )
    except BaseException:
        for blob_id in written.values():
            blobs.delete(blob_id)
        raise
    duration = round(len(mastered.mix) / float(rate), 3)
    metadata: dict[str, Any] = {
        "master_gain_db": round(float(mastered.gain_db), 2),
        "lufs": round(float(mastered.lufs), 2),
        "true_peak_db": round(float(mastered.true_peak_db), 2),
    }
    return written, duration, metadata


# --- lyrics ----------------------------------------------------------------------------------


def run_lyrics(ctx: PipelineContext, lease: Lease) -> None:
    from songsmith import lyrics

    write_lyrics: Any = getattr(lyrics, "write_lyrics", None)
    if write_lyrics is None:
        raise GenerationFailed("not_supported", "The lyrics writer is not installed.")

    store = ctx.store
    task = store.get_task(lease.spec.task_id, None)
    if task is None:
        raise GenerationFailed("internal", "The task of this job no longer exists.")
    if task.status.terminal:
        return
    store.set_task_status(task.id, TaskStatus.IN_PROGRESS)
    result = write_lyrics(str(task.request.get("prompt") or ""), _task_seed(task), ctx.settings)
    store.set_task_result(
        task.id,
        {
            "id": task.id,
            "status": "complete",
            "title": result.title,
            "text": result.text,
            "tags": result.tags,
        },
    )
    store.set_task_status(task.id, TaskStatus.SUCCESS)
    notify(store, task.id, ctx.settings)


# --- media kinds (their bodies live in services/act.py, stems.py, upload_job.py) ------------


def run_render(ctx: PipelineContext, lease: Lease) -> None:
    """render_mp4 / render_midi / render_wav: an artifact of a complete clip, made once."""
    from songsmith.services.act import run_render_job

    run_render_job(ctx, lease)


def run_stem(ctx: PipelineContext, lease: Lease) -> None:
    from songsmith.services.stems import run_stem_job

    run_stem_job(ctx, lease)


def run_upload_analysed(ctx: PipelineContext, lease: Lease) -> None:
    """The upload job with its analysis (tempo, beats, key, chords, sections) stored."""
    from songsmith.services.upload_job import run_upload_job as run_with_analysis

    run_with_analysis(ctx, lease)


# Later kinds (concat ...) plug in here.
def run_concat(ctx: PipelineContext, lease: Lease) -> None:
    """An extend chain or an infill joined into one clip (services/concat_job.py)."""
    from songsmith.services.concat_job import run_concat_job

    run_concat_job(ctx, lease)


HANDLERS: dict[str, Handler] = {
    "generate": run_generate,
    "generate_batch": run_generate_batch,
    "concat": run_concat,
    "lyrics": run_lyrics,
    "upload": run_upload_analysed,
    "stem": run_stem,
    "render_mp4": run_render,
    "render_midi": run_render,
    "render_wav": run_render,
}


# --- endings ---------------------------------------------------------------------------------


def finish_task(store: Store, task_id: str, settings: Settings | None) -> None:
    task = store.refresh_task(task_id)
    if task.status.terminal and settings is not None:
        notify(store, task_id, settings)


def finish_failed(
    store: Store, spec: JobSpec, error_type: str, message: str, settings: Settings | None = None
) -> None:
    """A job is out of attempts (or failed for good): its clip ends `error`, and the task ends
    FAILURE once its clips are all terminal (a task-level job fails its task at once)."""
    message = message or "The job failed."
    if spec.kind.startswith("render_") and spec.clip_id is not None:
        # A render of a complete clip: the clip stays complete; the next request may retry.
        from songsmith.services.act import render_failed

        render_failed(store, spec, error_type, message)
        return
    if spec.clip_id is not None:
        store.fail_clip(spec.clip_id, None, error_type, message)
        finish_task(store, spec.task_id, settings)
        return
    if spec.kind == "generate_batch":  # one job for several clips: each open one ends `error`
        for clip in store.get_clips(spec.task_id):
            if clip.id in spec.payload.get("clip_ids", []) and not clip.status.terminal:
                store.fail_clip(clip.id, None, error_type, message)
        finish_task(store, spec.task_id, settings)
        return
    task = store.get_task(spec.task_id, None)
    if task is not None and not task.status.terminal:
        store.set_task_status(spec.task_id, TaskStatus.FAILURE, fail_reason=message)
        if settings is not None:
            notify(store, spec.task_id, settings)


def notify(store: Store, task_id: str, settings: Settings) -> None:
    """POST the task to its notify_hook through the callbacks service (optional here)."""
    import importlib

    try:
        callbacks: Any = importlib.import_module("songsmith.services.callbacks")
    except ModuleNotFoundError as exc:
        if exc.name != "songsmith.services.callbacks":
            raise
        return  # not installed: tasks still complete, nobody is told
    try:
        callbacks.notify_task(store, task_id, settings)
    except Exception:  # a failed delivery never fails the task
        log.exception("notify_hook delivery for task %s failed", task_id)
