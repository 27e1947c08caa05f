"""gen_stem (suno-wire.md 3, "Stems"): clips of a source clip's parts.

A songsmith clip stores its exact stems (post-effects, with the master's gain: they sum to the
master), so its stem clips are those wavs: Two = vocals (lead + backing) and instrumental (all
the rest); Twelve = one clip per stem group whose peak is above -60 dBFS. Any other audio (an
upload, an engine without stems) is separated by time-frequency masks (harmonic/percussive split,
a bass band, and a centre-panned mid band for the voice) and says so in `metadata.separation`;
its masks sum to one, so those stems also sum to the source.

Submit plans the clips (`plan_stems`, cheap: peaks are cached in the source's metadata); one
`stem` job per clip renders it (`run_stem_job`).
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from songsmith.domain.errors import GenerationFailed, InvalidRequest
from songsmith.domain.statuses import TaskStatus

if TYPE_CHECKING:
    from songsmith.blobs.typing import BlobStore
    from songsmith.domain.models import ApiKey, Clip
    from songsmith.domain.request import GenerationRequest
    from songsmith.engines.typing import Audio
    from songsmith.queue.typing import Lease
    from songsmith.services.pipeline import PipelineContext
    from songsmith.services.submit import SubmitContext
    from songsmith.store.typing import Store

STEM_GROUPS = (
    "vocals",
    "backing_vocals",
    "drums",
    "bass",
    "guitar",
    "keyboard",
    "strings",
    "brass",
    "woodwinds",
    "synth",
    "percussion",
    "fx",
)
VOCAL_GROUPS = ("vocals", "backing_vocals")
SILENT_DBFS = -60.0
PEAKS_KEY = "stem_peaks_db"  # source clip metadata: group -> peak dBFS (cached by plan_stems)
# Stems of audio without exact stems; "other" is whatever the masks do not claim.
SEPARATED_TYPES = ("vocals", "drums", "bass", "other")
SEPARATION = "hpss"  # what `metadata.separation` says for masked stems; exact ones say "exact"
_BASS_HZ = 180.0
_VOICE_BAND_HZ = (200.0, 6000.0)


@dataclass(frozen=True)
class StemPlan:
    """One stem clip: its `stem_type` and which of the source's stem groups sum into it
    (empty for masked separation, where `stem_type` names the mask)."""

    stem_type: str
    groups: tuple[str, ...]

    def payload(self) -> dict[str, Any]:
        return {"stem_type": self.stem_type, "groups": list(self.groups)}

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> StemPlan:
        return cls(str(payload["stem_type"]), tuple(str(g) for g in payload.get("groups", [])))


def stem_group_name(stem_type_group_name: str | None, stem_task: str | None) -> str:
    """ "Two" or "Twelve" from either field (case-insensitive); Two when neither is set."""
    for value in (stem_type_group_name, stem_task):
        if value is None or not str(value).strip():
            continue
        lowered = str(value).strip().lower()
        if lowered == "two":
            return "Two"
        if lowered == "twelve":
            return "Twelve"
        raise InvalidRequest(
            f"Stem group {str(value)[:20]!r} is unknown; use 'Two' or 'Twelve' (stem_task "
            "'two' or 'twelve')."
        )
    return "Two"


def stem_title(title: str, stem_type: str) -> str:
    """ "City Lights" + drums -> "City Lights (Drums)"."""
    label = stem_type.replace("_", " ").title()
    return f"{title} ({label})" if title.strip() else f"({label})"


def _read(blobs: BlobStore, blob_id: str) -> bytes:
    return b"".join(blobs.read(blob_id))


def _decode_wav(data: bytes) -> tuple[Audio, int]:
    import soundfile

    audio, rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
    if audio.shape[1] == 1:
        audio = np.repeat(audio, 2, axis=1)
    return np.ascontiguousarray(audio[:, :2]), int(rate)


def _peak_dbfs(audio: Audio) -> float:
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    return 20.0 * math.log10(peak) if peak > 0 else -math.inf


def stem_peaks(store: Store, blobs: BlobStore, source: Clip) -> dict[str, float]:
    """Peak dBFS of each exact stem of `source`, measured once and kept in its metadata."""
    cached = source.metadata.get(PEAKS_KEY)
    groups = [kind[5:] for kind in source.artifacts if kind.startswith("stem:")]
    if isinstance(cached, dict) and set(cached) == set(groups):
        return {g: float(v) for g, v in cached.items()}
    peaks = {}
    for group in groups:
        audio, _ = _decode_wav(_read(blobs, source.artifacts[f"stem:{group}"]))
        value = _peak_dbfs(audio)
        peaks[group] = round(value, 2) if math.isfinite(value) else -200.0
    store.update_clip_metadata(source.id, {PEAKS_KEY: peaks})
    return peaks


def plan_stems(store: Store, blobs: BlobStore, source: Clip, group_name: str) -> list[StemPlan]:
    """The stem clips of a gen_stem request, in wire order (what submit creates)."""
    exact = any(kind.startswith("stem:") for kind in source.artifacts)
    if not exact:
        if group_name == "Two":
            return [StemPlan("vocals", ()), StemPlan("instrumental", ())]
        return [StemPlan(t, ()) for t in SEPARATED_TYPES]
    peaks = stem_peaks(store, blobs, source)
    ordered = sorted(peaks, key=lambda g: (STEM_GROUPS.index(g) if g in STEM_GROUPS else 99, g))
    if group_name == "Two":
        vocal = tuple(g for g in ordered if g in VOCAL_GROUPS)
        rest = tuple(g for g in ordered if g not in VOCAL_GROUPS)
        return [StemPlan("vocals", vocal), StemPlan("instrumental", rest)]
    return [StemPlan(g, (g,)) for g in ordered if peaks[g] > SILENT_DBFS]


# --- submit ----------------------------------------------------------------------------------


def submit_stems(
    ctx: SubmitContext, blobs: BlobStore, key: ApiKey, req: GenerationRequest, mv: str
) -> str:
    """Store a gen_stem task (one clip per planned stem) and enqueue a `stem` job per clip.

    The caller has checked the request's fields and that the source id is this key's; the
    source must be complete. Stems need no engine: the jobs go to the queue every worker serves.
    """
    import secrets
    import time
    import uuid
    from datetime import UTC, datetime

    from songsmith.domain.models import Clip, Task
    from songsmith.domain.statuses import Action, ClipStatus, Mode
    from songsmith.queue.typing import JobSpec
    from songsmith.services.act import RENDER_QUEUE
    from songsmith.services.fetch import complete_clip
    from songsmith.services.submit import check_queue_cap, enqueue_all

    group = stem_group_name(req.stem_type_group_name, req.stem_task)
    source = complete_clip(ctx.store, key.id, str(req.continue_clip_id))
    plans = plan_stems(ctx.store, blobs, source, group)
    if not plans:
        raise InvalidRequest("The source clip has no stem above -60 dBFS to separate.")
    check_queue_cap(ctx, key)
    task_id = str(uuid.uuid4())
    seed = req.seed if req.seed is not None else secrets.randbelow(2**31 - len(plans))
    created = datetime.now(UTC)
    meta = source.metadata
    clips = [
        Clip(
            id=str(uuid.uuid4()),
            task_id=task_id,
            key_id=key.id,
            index=i,
            status=ClipStatus.SUBMITTED,
            title=stem_title(req.title or source.title, plan.stem_type),
            mv=mv,
            created_at=created,
            metadata={
                "tags": meta.get("tags") or "",
                "negative_tags": meta.get("negative_tags") or "",
                "prompt": meta.get("prompt") or "" if plan.stem_type in VOCAL_GROUPS else "",
                "type": "stem",
                "task": "gen_stem",
                "stem_from_id": source.id,
                "stem_type_group_name": group,
                "stem_type": plan.stem_type,
                "has_vocal": plan.stem_type in VOCAL_GROUPS,
                "make_instrumental": False,
                "history": [],
                "concat_history": [],
                "infill": False,
                "refund_credits": False,
                "stream": False,
                "engine": meta.get("engine"),
                "seed": seed + i,
            },
        )
        for i, plan in enumerate(plans)
    ]
    task = Task(
        id=task_id,
        key_id=key.id,
        action=Action.MUSIC,
        mode=Mode.GEN_STEM,
        status=TaskStatus.SUBMITTED,
        submit_time=int(time.time()),
        request={**req.raw, "seed": seed},
        notify_hook=req.notify_hook or "",
        clip_ids=[c.id for c in clips],
    )
    ctx.store.create_task(task, clips)
    enqueue_all(
        ctx,
        task,
        [
            JobSpec(task_id, clip.id, "stem", RENDER_QUEUE, plan.payload())
            for clip, plan in zip(clips, plans, strict=True)
        ],
    )
    return task_id


# --- rendering -------------------------------------------------------------------------------


def sum_stems(blobs: BlobStore, source: Clip, groups: Sequence[str]) -> tuple[Audio, int]:
    """The exact stems named, summed (silence of the source's length when none is named)."""
    total: Audio | None = None
    rate = 44100
    for group in groups:
        blob_id = source.artifacts.get(f"stem:{group}")
        if blob_id is None:
            continue
        audio, rate = _decode_wav(_read(blobs, blob_id))
        if total is None:
            total = audio.copy()
        else:
            n = max(len(total), len(audio))
            grown = np.zeros((n, 2), np.float32)
            grown[: len(total)] += total
            grown[: len(audio)] += audio
            total = grown
    if total is None:
        length = round(float(source.duration or 0.0) * rate)
        total = np.zeros((length, 2), np.float32)
    return total, rate


def separate(audio: Audio, sample_rate: int) -> dict[str, Audio]:
    """Mask separation of a stereo recording into vocals, drums, bass and other.

    Percussive vs harmonic by librosa's median-filter HPSS (soft masks); the harmonic part is
    cut into a bass band, a centre-panned voice band (vocals are usually mixed to the middle)
    and the rest. The four masks sum to one in every bin, so the stems sum to the input.
    """
    import librosa

    stereo = np.asarray(audio, dtype=np.float32)
    n_fft, hop = 2048, 1024  # 46 ms windows, half overlapped: the median filters dominate
    spectra = [librosa.stft(stereo[:, c], n_fft=n_fft, hop_length=hop) for c in range(2)]
    left, right = spectra
    magnitude = 0.5 * (np.abs(left) + np.abs(right))
    harmonic, percussive = librosa.decompose.hpss(magnitude, mask=True, kernel_size=(17, 17))
    freqs = librosa.fft_frequencies(sr=sample_rate, n_fft=n_fft)[:, None]
    bass_band = 1.0 / (1.0 + (freqs / _BASS_HZ) ** 8)  # soft low-pass
    low, high = _VOICE_BAND_HZ
    voice_band = (1.0 - bass_band) / (1.0 + (low / np.maximum(freqs, 1.0)) ** 4)
    voice_band = voice_band / (1.0 + (freqs / high) ** 4)
    # Centre-ness: 1 where both channels carry the same signal, 0 for hard-panned material.
    side = np.abs(left - right)
    mid = np.abs(left + right)
    centre = np.clip(1.0 - side / np.maximum(mid, 1e-9), 0.0, 1.0) ** 2
    masks = {
        "drums": percussive,
        "bass": harmonic * bass_band,
        "vocals": harmonic * voice_band * centre,
    }
    masks["other"] = np.clip(1.0 - masks["drums"] - masks["bass"] - masks["vocals"], 0.0, 1.0)
    out = {}
    for name, mask in masks.items():
        channels = [
            librosa.istft(spec * mask, hop_length=hop, n_fft=n_fft, length=len(stereo))
            for spec in spectra
        ]
        out[name] = np.ascontiguousarray(np.stack(channels, axis=1), dtype=np.float32)
    return out


def render_stem(blobs: BlobStore, source: Clip, plan: StemPlan) -> tuple[Audio, int, str]:
    """(audio, sample rate, separation) of one planned stem clip."""
    if plan.groups or any(kind.startswith("stem:") for kind in source.artifacts):
        audio, rate = sum_stems(blobs, source, plan.groups)
        return audio, rate, "exact"
    from songsmith.media.codecs import decode_audio

    if "mp3" not in source.artifacts:
        raise GenerationFailed("clip_not_exist", "The source clip has no audio.")
    mix, rate = decode_audio(_read(blobs, source.artifacts["mp3"]), {"mp3"})
    parts = separate(mix, rate)
    if plan.stem_type == "instrumental":
        audio = parts["drums"] + parts["bass"] + parts["other"]
    elif plan.stem_type in parts:
        audio = parts[plan.stem_type]
    else:
        raise GenerationFailed("not_supported", f"No separated stem {plan.stem_type!r}.")
    return audio, rate, SEPARATION


def _stem_score(blobs: BlobStore, source: Clip, groups: Sequence[str]) -> bytes | None:
    """The source's score reduced to the tracks of these groups (MIDI of a stem clip)."""
    blob_id = source.artifacts.get("score")
    if not blob_id or not groups:
        return None
    score = json.loads(_read(blobs, blob_id))
    score["tracks"] = [t for t in score.get("tracks", []) if t.get("group") in groups]
    if not any(g in VOCAL_GROUPS for g in groups):
        score["words"] = []
    return json.dumps(score).encode()


def run_stem_job(ctx: PipelineContext, lease: Lease) -> None:
    """Job body of `stem`: one stem clip of `task.request["continue_clip_id"]`."""
    from songsmith.media.codecs import encode_mp3, encode_wav
    from songsmith.media.cover import cover_images
    from songsmith.services.pipeline import begin_clip_job, finish_task

    spec, store, blobs = lease.spec, ctx.store, ctx.blobs
    begun = begin_clip_job(ctx, lease)  # also settles a task an earlier attempt finished
    if begun is None:
        return
    task, clip = begun
    source = store.get_clip(str(task.request.get("continue_clip_id") or ""), task.key_id)
    if source is None:
        raise GenerationFailed("clip_not_exist", "The source clip of these stems is gone.")
    plan = StemPlan.from_payload(spec.payload)
    audio, rate, separation = render_stem(blobs, source, plan)
    store.set_clip_progress(clip.id, lease.attempt, 60)

    written: dict[str, str] = {}
    try:
        written["mp3"] = blobs.put(encode_mp3(audio, rate), content_type="audio/mpeg", suffix="mp3")
        written[f"stem:{plan.stem_type}"] = blobs.put(
            encode_wav(audio, rate), content_type="audio/wav", suffix="wav"
        )
        seed = int(clip.metadata.get("seed") or 0)
        small, large = cover_images(clip.title, str(source.metadata.get("tags") or ""), seed)
        written["image"] = blobs.put(small, content_type="image/jpeg", suffix="jpg")
        written["image_large"] = blobs.put(large, content_type="image/jpeg", suffix="jpg")
        score = _stem_score(blobs, source, plan.groups) if separation == "exact" else None
        if score is not None:
            written["score"] = blobs.put(score, content_type="application/json", suffix="json")
        if separation == "exact" and any(g in VOCAL_GROUPS for g in plan.groups):
            timing_id = source.artifacts.get("timing")
            if timing_id:  # a copy: blobs are write-once and owned by one clip
                written["timing"] = blobs.put(
                    _read(blobs, timing_id), content_type="application/json", suffix="json"
                )
    except BaseException:
        for blob_id in written.values():
            blobs.delete(blob_id)
        raise
    duration = round(len(audio) / float(rate), 3)
    peak = _peak_dbfs(audio)
    metadata: dict[str, Any] = {
        "type": "stem",
        "duration": duration,
        "stem_from_id": source.id,
        "stem_type": plan.stem_type,
        "stem_groups": list(plan.groups),
        "separation": separation,
        "has_vocal": plan.stem_type in VOCAL_GROUPS,
        "peak_dbfs": round(peak, 2) if math.isfinite(peak) else None,
    }
    for name in ("bpm", "key", "time_signature"):
        if source.metadata.get(name) is not None:
            metadata[name] = source.metadata[name]
    if not store.complete_clip(
        clip.id, lease.attempt, duration=duration, artifacts=written, metadata=metadata
    ):
        for blob_id in written.values():
            blobs.delete(blob_id)
        return
    finish_task(store, task.id, ctx.settings)
