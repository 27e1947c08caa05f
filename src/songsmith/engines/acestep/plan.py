"""A `GenerationJob` in ACE-Step's terms: task, caption, lyrics, source audio, windows, crop.

Pure numpy/scipy (torch-free), so every mode's arithmetic is tested without a model. Times in a
`SampleRequest` are seconds of the *generated* audio, which may be a cut of the source (context
around an edit window) padded with silence up to a warmed-up duration bucket.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from songsmith.domain.errors import GenerationFailed
from songsmith.domain.statuses import Mode
from songsmith.engines.acestep.checkpoint import COMPLETE, COVER, EXTRACT, LEGO, REPAINT
from songsmith.engines.typing import Audio, GenerationJob, SourceMaterial

MIN_DURATION_S = 10.0
DEFAULT_INSTRUMENTAL_S = 120.0
EXTEND_CONTEXT_S = 30.0  # source tail the continuation hears (ACE-Step repaint context)
WINDOW_CONTEXT_S = 20.0  # audio kept each side of an infill / painting window
FADE_OUT_S = 1.5  # when a bucket-padded text2music clip is cut to its asked length
INSTRUMENTAL_LYRICS = "[Instrumental]"  # ACE-Step's marker for a song without vocals
DEFAULT_COMPLETE_CLASSES = ("drums", "bass", "guitar", "keyboard")

_SECTION = re.compile(r"^\s*\[[^\]]*\]\s*$")
_BPM = re.compile(r"(\d{2,3})\s*bpm", re.IGNORECASE)
_KEY = re.compile(r"\b(?:in\s+)?([A-G][#b]?)\s*(major|minor|maj|min)\b", re.IGNORECASE)
_TIME_SIG = re.compile(r"\b([2-7])\s*/\s*(4|8)\b")


@dataclass(frozen=True)
class CallShape:
    """Everything one pipeline call shares across its batch; samples batch iff shapes are equal."""

    task_type: str
    audio_duration_s: float  # generated length (a bucket when padding is on)
    prompt_duration_s: float  # the duration the caption's metadata announces
    source_key: str | None = None  # identity of the source cut (same audio for the whole batch)
    reference_key: str | None = None
    repaint: tuple[float, float] | None = None
    track_name: str | None = None
    complete_track_classes: tuple[str, ...] | None = None
    cover_strength: float = 1.0
    bpm: int | None = None
    keyscale: str | None = None
    timesignature: str | None = None


@dataclass
class SampleRequest:
    """One clip's request in pipeline terms."""

    shape: CallShape
    prompt: str
    lyrics: str
    language: str
    seed: int
    crop_s: tuple[float, float]  # the part of the generated audio that becomes the clip
    src_audio: Audio | None = None  # (samples, 2) at the engine rate, exactly the generated length
    reference_audio: Audio | None = None
    fade_out_s: float = 0.0
    metadata: dict[str, object] = field(default_factory=dict)


def bucket_duration(duration_s: float, buckets_s: Sequence[float] | None) -> float:
    """The smallest bucket holding `duration_s`; past the last bucket, whole 30 s steps."""
    if not buckets_s:
        return duration_s
    for bucket in sorted(buckets_s):
        if duration_s <= bucket + 1e-6:
            return float(bucket)
    return float(math.ceil(duration_s / 30.0) * 30.0)


def sung_lines(lyrics: str) -> list[str]:
    return [ln for ln in lyrics.splitlines() if ln.strip() and not _SECTION.match(ln)]


def target_duration(job: GenerationJob, cap_s: float) -> float:
    """The asked length: `extra["duration_s"]`, else from the lyrics (about 4.5 s a sung line)."""
    asked = job.extra.get("duration_s")
    if isinstance(asked, int | float) and asked > 0:
        duration = float(asked)
    elif job.instrumental or not sung_lines(job.lyrics):
        duration = DEFAULT_INSTRUMENTAL_S
    else:
        duration = 24.0 + 4.5 * len(sung_lines(job.lyrics))
    return float(min(max(duration, MIN_DURATION_S), cap_s))


def caption(job: GenerationJob) -> str:
    """ACE-Step's caption: the style tags, the voice, and what to avoid, in plain words."""
    parts = [job.tags.strip() or "music"]
    if not job.instrumental and job.vocal_gender in ("f", "m"):
        parts.append("female vocals" if job.vocal_gender == "f" else "male vocals")
    if job.instrumental:
        parts.append("instrumental, no vocals")
    if job.negative_tags.strip():
        parts.append(f"without {job.negative_tags.strip()}")
    return ", ".join(parts)


def musical_metadata(job: GenerationJob) -> tuple[int | None, str | None, str | None]:
    """bpm, key and time signature when the tags or the source name them (else the model picks)."""
    text = job.tags
    source_meta = job.source.metadata if job.source else {}
    bpm: int | None = None
    if m := _BPM.search(text):
        bpm = int(m.group(1))
    elif isinstance(source_meta.get("bpm"), int | float):
        bpm = round(float(source_meta["bpm"]))
    key: str | None = None
    if m := _KEY.search(text):
        mode = "minor" if m.group(2).lower().startswith("min") else "major"
        key = f"{m.group(1)[0].upper()}{m.group(1)[1:]} {mode}"
    elif isinstance(source_meta.get("key"), str):
        key = str(source_meta["key"])
    signature: str | None = None
    if m := _TIME_SIG.search(text):
        signature = m.group(1)
    return bpm, key, signature


def to_engine_audio(source: SourceMaterial, sample_rate: int) -> Audio:
    """The source as float32 stereo (samples, 2) at the engine's rate."""
    audio = np.asarray(source.audio, dtype=np.float32)
    if audio.ndim == 1:
        audio = audio[:, None]
    if audio.shape[1] == 1:
        audio = np.repeat(audio, 2, axis=1)
    audio = audio[:, :2]
    if source.sample_rate != sample_rate:
        from scipy.signal import resample_poly

        g = math.gcd(source.sample_rate, sample_rate)
        audio = resample_poly(audio, sample_rate // g, source.sample_rate // g, axis=0)
    return np.ascontiguousarray(audio, dtype=np.float32)


def cut_and_pad(audio: Audio, start_s: float, end_s: float, length_s: float, sr: int) -> Audio:
    """audio[start:end] followed by silence up to `length_s`."""
    start, end = round(start_s * sr), round(end_s * sr)
    out = np.zeros((round(length_s * sr), 2), dtype=np.float32)
    piece = audio[start:end][: out.shape[0]]
    out[: piece.shape[0]] = piece
    return out


def _need_source(job: GenerationJob) -> SourceMaterial:
    if job.source is None:
        raise GenerationFailed(
            "invalid_request", f"Mode {job.mode.value!r} needs source audio and none was given."
        )
    return job.source


def plan_job(
    job: GenerationJob,
    task: str,
    sample_rate: int,
    buckets_s: Sequence[float] | None = None,
) -> SampleRequest:
    """How to run `job` as ACE-Step `task` (the capability check already chose `task`)."""
    cap = job.max_duration_s
    bpm, key, signature = musical_metadata(job)
    lyrics = INSTRUMENTAL_LYRICS if job.instrumental or not job.lyrics.strip() else job.lyrics
    language = str(job.extra.get("language") or "en")
    sliders = job.extra.get("control_sliders") or {}
    meta: dict[str, object] = {"acestep_task": task}

    if task == REPAINT and job.mode in (Mode.EXTEND, Mode.UPLOAD_EXTEND):
        source = _need_source(job)
        audio = to_engine_audio(source, sample_rate)
        source_s = audio.shape[0] / sample_rate
        join = source_s if job.continue_at is None else min(float(job.continue_at), source_s)
        context = min(EXTEND_CONTEXT_S, join)
        new_s = target_duration(job, cap)
        total = bucket_duration(context + new_s, buckets_s)
        shape = CallShape(
            REPAINT,
            total,
            context + new_s,
            source_key=f"{source.clip_id}:{join - context:.3f}-{join:.3f}",
            repaint=(context, total),
            bpm=bpm,
            keyscale=key,
            timesignature=signature,
        )
        meta.update(continue_at=join, context_s=context)
        return SampleRequest(
            shape,
            caption(job),
            lyrics,
            language,
            job.seed,
            crop_s=(context, context + new_s),
            src_audio=cut_and_pad(audio, join - context, join, total, sample_rate),
            metadata=meta,
        )

    if task in (REPAINT, LEGO, COMPLETE, EXTRACT, COVER):
        source = _need_source(job)
        audio = to_engine_audio(source, sample_rate)
        source_s = audio.shape[0] / sample_rate
        if task == COVER or task == EXTRACT or job.window is None:
            win_start, win_end = 0.0, min(source_s, cap)
        else:
            win_start = max(0.0, min(job.window[0], source_s))
            win_end = max(win_start, min(job.window[1], source_s))
        if win_end - win_start < 1.0:
            raise GenerationFailed(
                "invalid_request", f"The window {win_start:.1f}-{win_end:.1f} s is under 1 s."
            )
        # Only the window and some context around it are generated: a 10 s infill in an
        # 8-minute song must not cost an 8-minute pass.
        margin = 0.0 if task in (COVER, EXTRACT) else WINDOW_CONTEXT_S
        cut_start = max(0.0, win_start - margin)
        cut_end = min(source_s, win_end + margin)
        total = bucket_duration(cut_end - cut_start, buckets_s)
        window = (win_start - cut_start, win_end - cut_start)
        track: str | None = None
        classes: tuple[str, ...] | None = None
        if task in (EXTRACT, LEGO):
            track = str(job.extra.get("stem_group") or job.extra.get("track_name") or "vocals")
        if task == COMPLETE:
            raw = job.extra.get("track_classes") or DEFAULT_COMPLETE_CLASSES
            classes = tuple(str(c) for c in raw)
        strength = 1.0
        if task == COVER and isinstance(sliders.get("audio_weight"), int | float):
            strength = float(min(max(sliders["audio_weight"], 0.0), 1.0))
        shape = CallShape(
            task,
            total,
            cut_end - cut_start,
            source_key=f"{source.clip_id}:{cut_start:.3f}-{cut_end:.3f}",
            repaint=window if task in (REPAINT, LEGO) else None,
            track_name=track,
            complete_track_classes=classes,
            cover_strength=strength,
            bpm=bpm,
            keyscale=key,
            timesignature=signature,
        )
        meta.update(window=[win_start, win_end])
        return SampleRequest(
            shape,
            caption(job),
            lyrics,
            language,
            job.seed,
            crop_s=window,
            src_audio=cut_and_pad(audio, cut_start, cut_end, total, sample_rate),
            metadata=meta,
        )

    # text2music: custom, inspiration, instrumental, persona (timbre from the root clip)
    duration = target_duration(job, cap)
    total = bucket_duration(duration, buckets_s)
    reference: Audio | None = None
    reference_key: str | None = None
    if job.mode == Mode.ARTIST_CONSISTENCY:
        source = _need_source(job)  # the persona's root clip
        reference = to_engine_audio(source, sample_rate)
        reference_key = source.clip_id
        meta["persona_root_clip_id"] = source.clip_id
    shape = CallShape(
        task,
        total,
        duration,
        reference_key=reference_key,
        bpm=bpm,
        keyscale=key,
        timesignature=signature,
    )
    return SampleRequest(
        shape,
        caption(job),
        lyrics,
        language,
        job.seed,
        crop_s=(0.0, duration),
        reference_audio=reference,
        fade_out_s=FADE_OUT_S if total > duration + 1e-6 else 0.0,
        metadata=meta,
    )
