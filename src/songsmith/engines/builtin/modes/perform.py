"""Playing a segment's score: render the instruments, sing the voices, mix; plus the metadata."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import numpy as np

from songsmith.engines.builtin.compose import score_metadata
from songsmith.engines.builtin.modes.segment import LEAD_TRACK, Segment
from songsmith.engines.score import Score
from songsmith.engines.typing import Audio, ProgressCallback, Song

SAMPLE_RATE = 44100
BACKING_TRACK = "backing_vocals"
BACKING_SEED_OFFSET = 7919  # as the engine: a different breath/noise draw for the second singer
SILENT_GAP_S = 4.0  # a gap in the singing this long gets the vocal stems muted (no reverb tail)


def fit(audio: Audio, length: int) -> Audio:
    """`audio` cut or zero-padded to `length` samples, float32, contiguous."""
    if len(audio) >= length:
        return np.ascontiguousarray(audio[:length], dtype=np.float32)
    pad = np.zeros((length - len(audio), audio.shape[1]), np.float32)
    return np.ascontiguousarray(np.concatenate([audio, pad]), dtype=np.float32)


def unsung_spans(score: Score) -> list[tuple[float, float]]:
    """Long stretches without lead notes, for the mix to mute the vocal stems there."""
    notes = sorted((n.start, n.end) for t in score.tracks if t.name == LEAD_TRACK for n in t.notes)
    if not notes:
        return []
    spans = []
    edges = [(0.0, notes[0][0])]
    edges += [(a[1], b[0]) for a, b in itertools.pairwise(notes)]
    edges.append((notes[-1][1], score.duration_s))
    for gap_start, gap_end in edges:
        if gap_end - gap_start >= SILENT_GAP_S:
            start = gap_start + 0.6 if gap_start > 0 else 0.0
            end = gap_end - 0.3 if gap_end < score.duration_s else score.duration_s
            spans.append((start, end))
    return spans


def perform(
    segment: Segment,
    *,
    seed: int,
    language: str,
    progress: ProgressCallback | None = None,
    mix: bool = True,
) -> tuple[Audio, Mapping[str, Audio]]:
    """(pre-master mix, stems) of the segment's score, every array exactly its duration long.

    `mix=False` returns the raw rendered and sung stems (for a caller that mixes them with the
    source's own) and their plain sum.
    """
    from songsmith.engines.builtin.mix import mix_stems
    from songsmith.engines.builtin.render import render_stems
    from songsmith.engines.builtin.voice import sing

    step = progress or (lambda _done, _total: None)
    score = segment.score
    length = round(score.duration_s * SAMPLE_RATE)
    stems = render_stems(score, SAMPLE_RATE)
    step(2, 5)
    for name, group, offset in (
        (LEAD_TRACK, "vocals", 0),
        (BACKING_TRACK, "backing_vocals", BACKING_SEED_OFFSET),
    ):
        notes = [n for t in score.tracks if t.name == name for n in t.notes]
        if notes:
            sung = sing(
                notes,
                gender=segment.plan.vocal_gender,
                sample_rate=SAMPLE_RATE,
                language=language,
                seed=seed + offset,
            )
            stems[group] = fit(sung, length)
    step(3, 5)
    stems = {g: fit(a, length) for g, a in stems.items()}
    if not stems:
        return np.zeros((length, 2), np.float32), {}
    if not mix:
        total = np.sum(list(stems.values()), axis=0, dtype=np.float32)
        return np.ascontiguousarray(total, dtype=np.float32), stems
    mixed, processed = mix_stems(
        stems,
        SAMPLE_RATE,
        genre=segment.plan.genre,
        seed=seed,
        vocal_silence=unsung_spans(score),
    )
    step(4, 5)
    return np.ascontiguousarray(mixed, dtype=np.float32), processed


def song_of(
    segment: Segment,
    mix: Audio,
    stems: Mapping[str, Audio],
    *,
    preset: str,
    language: str,
    extra: dict[str, Any],
    has_vocal: bool | None = None,
) -> Song:
    """The `Song` with the metadata the composer's songs carry, plus the edit's own fields."""
    score = segment.score
    vocal = segment.has_vocal if has_vocal is None else has_vocal
    meta = score_metadata(
        segment.plan, score, has_vocal=vocal, language=language, notes=segment.notes, preset=preset
    )
    meta.update(extra)
    return Song(
        sample_rate=SAMPLE_RATE,
        mix=mix,
        stems=stems,
        score=score,
        words=list(score.words),
        metadata=meta,
    )
