"""`act/timing`: word timings from the clip's "timing" artifact plus an amplitude envelope.

For generated clips the times come from the score, so they are exact (`p_align` 1.0, `hoot_cer`
0.0). The envelope is computed from the final mp3 once and stored as the clip's "waveform"
artifact, so a second request never decodes again.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import numpy as np

from songsmith.blobs.typing import BlobStore
from songsmith.domain.errors import NotSupported
from songsmith.domain.models import Clip
from songsmith.store.typing import Store

WAVEFORM_POINTS = 400


def envelope(audio: np.ndarray[Any, Any], points: int = WAVEFORM_POINTS) -> list[float]:
    """Peak amplitude per equal slice, scaled so the loudest slice is 1.0 (values 0-1)."""
    mono = np.abs(np.asarray(audio, dtype=np.float32))
    if mono.ndim == 2:
        mono = mono.max(axis=1)
    if mono.size == 0:
        return [0.0] * points
    edges = np.linspace(0, mono.size, points + 1).astype(np.int64)
    peaks = np.array(
        [mono[a:b].max() if b > a else 0.0 for a, b in itertools.pairwise(edges)],
        dtype=np.float64,
    )
    top = float(peaks.max())
    if top > 0:
        peaks /= top
    return [round(float(p), 4) for p in peaks]


def _read_json(blobs: BlobStore, blob_id: str) -> Any:
    return json.loads(b"".join(blobs.read(blob_id)).decode("utf-8"))


def _words(timing: Any) -> list[dict[str, Any]]:
    """Accepts the artifact as a list of words or an object holding one."""
    if isinstance(timing, dict):
        timing = timing.get("aligned_words", timing.get("words", []))
    words: list[dict[str, Any]] = []
    for item in timing if isinstance(timing, list) else []:
        if not isinstance(item, dict) or "word" not in item:
            continue
        words.append(
            {
                "word": str(item["word"]),
                "success": bool(item.get("success", True)),
                "start_s": round(float(item.get("start_s", 0.0)), 3),
                "end_s": round(float(item.get("end_s", 0.0)), 3),
                "p_align": float(item.get("p_align", 1.0)),
            }
        )
    return words


def _waveform(store: Store, blobs: BlobStore, clip: Clip) -> list[float]:
    cached = clip.artifacts.get("waveform")
    if cached:
        data = _read_json(blobs, cached)
        if isinstance(data, list):
            return [float(v) for v in data]
    mp3 = clip.artifacts.get("mp3")
    if not mp3:
        return []
    from songsmith.media.codecs import decode_audio

    audio, _ = decode_audio(b"".join(blobs.read(mp3)), formats={"mp3"})
    values = envelope(audio)
    blob_id = blobs.put(json.dumps(values).encode(), content_type="application/json", suffix="json")
    store.add_artifact(clip.id, "waveform", blob_id)
    return values


def timing_of(store: Store, blobs: BlobStore, clip: Clip) -> dict[str, Any]:
    """The timing object (suno-wire.md 4.5) of a complete clip."""
    blob_id = clip.artifacts.get("timing")
    if not blob_id:
        raise NotSupported(
            "Word timings are not available for this clip (its engine did not produce them)."
        )
    timing = _read_json(blobs, blob_id)
    waveform = timing.get("waveform_data") if isinstance(timing, dict) else None
    return {
        "aligned_words": _words(timing),
        "waveform_data": waveform if isinstance(waveform, list) else _waveform(store, blobs, clip),
        "hoot_cer": float(timing.get("hoot_cer", 0.0)) if isinstance(timing, dict) else 0.0,
        "is_streamed": False,
    }
