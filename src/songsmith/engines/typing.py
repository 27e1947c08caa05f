"""The engine seam: a `GenerationJob` in, a `Song` out (architecture.md, "The engine seam")."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from songsmith.domain.statuses import Mode
from songsmith.engines.score import Score, WordTiming

Audio = npt.NDArray[np.float32]  # shape (samples, 2), float32 in [-1, 1]
ProgressCallback = Callable[[int, int], None]  # (done, total)
AudioCallback = Callable[[Audio], None]  # consecutive pre-master chunks, in order


@dataclass
class SourceMaterial:
    """A clip an edit mode builds on: its audio, and its score when songsmith composed it."""

    clip_id: str
    audio: Audio  # the clip's pre-master (or decoded) audio at `sample_rate`
    sample_rate: int
    score: Score | None = None  # None for uploads (then `analysis` describes it)
    stems: dict[str, Audio] = field(default_factory=dict)  # group -> audio, when known
    metadata: dict[str, Any] = field(default_factory=dict)  # the source clip's metadata
    analysis: dict[str, Any] | None = None  # tempo, beats, key, chords, melody, sections


@dataclass
class GenerationJob:
    mode: Mode
    seed: int  # the clip's own seed (request seed + clip index)
    max_duration_s: float  # the mv's cap
    lyrics: str = ""  # with [Section] markers or without; "" for instrumental
    tags: str = ""
    negative_tags: str = ""
    title: str = ""
    instrumental: bool = False
    vocal_gender: str | None = None  # "f", "m" or None (engine chooses per seed)
    preset: str = "default"
    clip_index: int = 0
    source: SourceMaterial | None = None  # extend, infill, cover, under/overpainting, stems
    continue_at: float | None = None  # extend: seconds into the source
    window: tuple[float, float] | None = None  # infill / under- / overpainting window
    persona: dict[str, Any] | None = None  # persona profile (voice, style) for artist_consistency
    extra: dict[str, Any] = field(default_factory=dict)  # control sliders, stem group, etc.


@dataclass
class Song:
    """What an engine returns. The master (loudness, limiter) is applied later, once, by media/."""

    sample_rate: int
    mix: Audio  # pre-master mix
    # stem group -> audio; sums to `mix` (residual <= -30 dB). A mapping: the built-in engine's
    # are packed to 16 bits until read (media/packed.py), so read them one at a time.
    stems: Mapping[str, Audio]
    score: Score | None  # None when the engine does not compose (then analysis fills in)
    words: list[WordTiming] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)  # bpm, key, time_signature, sections,
    # seed, engine, vocal_gender, has_vocal ... merged into the clip's metadata


@dataclass(frozen=True)
class EngineCapabilities:
    modes: frozenset[Mode]
    max_duration_s: float
    sample_rate: int
    streams: bool  # calls the audio callback while rendering
    has_score: bool  # returns a score (MIDI, timings) and exact stems
    # clips one `generate_batch(jobs, progress) -> list[Song]` call takes; > 1: the worker runs
    # the clips of a submit as one job (one batched engine call) instead of one job per clip
    batch_size: int = 1


class Engine(Protocol):
    """Loaded once per worker process and reused across jobs."""

    # read-only in the protocol, so an engine may declare a richer capabilities subclass
    @property
    def name(self) -> str: ...
    @property
    def capabilities(self) -> EngineCapabilities: ...

    def generate(
        self,
        job: GenerationJob,
        progress: ProgressCallback,
        audio: AudioCallback | None = None,
    ) -> Song: ...
