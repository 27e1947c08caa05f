"""What an edit keeps from its source: tempo, key, meter, bar grid, voice, style and chords.

A songsmith clip carries its score, so these are exact. An upload carries the analysis that
`media/analysis.py` wrote (tempo, beats, key, chords); without one, `estimate.py` measures a
minimal tempo and key from the audio itself.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from songsmith.engines.builtin.form import TAIL_S
from songsmith.engines.score import Score
from songsmith.engines.typing import SourceMaterial

_LETTER_PC = {"c": 0, "d": 2, "e": 4, "f": 5, "g": 7, "a": 9, "b": 11}
_KEY_RE = re.compile(r"^\s*([a-gA-G])\s*([#♯b♭]?)\s*(major|minor|maj|min|m)?\s*$")
VOCAL_GROUPS = frozenset({"vocals", "backing_vocals"})


@dataclass
class MusicalContext:
    """The source's musical frame, in the source's own seconds."""

    bpm: float
    tonic: int  # pitch class 0-11
    mode: str  # "major" or "minor"
    time_signature: tuple[int, int]
    origin_s: float  # a bar line: bars start at origin_s + k * bar_s
    end_s: float  # where the music ends (the last bar line of a score; the audio's end else)
    audio_s: float  # the source audio's length
    vocal_gender: str | None = None
    tags: str = ""
    negative_tags: str = ""
    seed: int | None = None
    genre: str | None = None
    programs: tuple[int, ...] = ()  # pitched instruments the source plays
    chords: list[tuple[float, float, str]] = field(default_factory=list)
    sections: list[tuple[float, float, str]] = field(default_factory=list)  # (start, end, kind)
    from_score: bool = False
    estimated: bool = False  # tempo and key measured here, not given by a score or analysis

    @property
    def beats_per_bar(self) -> float:
        """Bar length in quarter beats (6/8 -> 3.0), as `SongPlan.beats_per_bar`."""
        num, den = self.time_signature
        return num * 4.0 / den

    @property
    def beat_s(self) -> float:
        return 60.0 / self.bpm

    @property
    def bar_s(self) -> float:
        return self.beats_per_bar * self.beat_s

    @property
    def key(self) -> str:
        from songsmith.engines.builtin.plan import MAJOR_KEY_NAMES, MINOR_KEY_NAMES

        names = MAJOR_KEY_NAMES if self.mode == "major" else MINOR_KEY_NAMES
        return f"{names[self.tonic]} {self.mode}"

    def bar_index(self, t: float) -> float:
        """Position of `t` in bars from the grid's origin (fractional)."""
        return (t - self.origin_s) / self.bar_s

    def bar_time(self, index: int) -> float:
        return self.origin_s + index * self.bar_s

    def section_kind_at(self, t: float) -> str:
        for start, end, kind in self.sections:
            if start - 1e-6 <= t < end - 1e-6:
                return kind
        return "verse"


def parse_key(text: str) -> tuple[int, str] | None:
    """ "D minor", "F# major", "Bbm" -> (pitch class, mode); None when unreadable."""
    match = _KEY_RE.match(text or "")
    if not match:
        return None
    letter, accidental, mode_word = match.groups()
    pc = _LETTER_PC[letter.lower()] + (1 if accidental in ("#", "♯") else 0)
    pc -= 1 if accidental in ("b", "♭") else 0
    mode = "minor" if mode_word in ("minor", "min", "m") else "major"
    return pc % 12, mode


def context_of(source: SourceMaterial) -> MusicalContext:
    """The musical frame of `source` from its score, else its analysis, else an estimate."""
    audio_s = len(source.audio) / float(source.sample_rate) if source.sample_rate else 0.0
    meta = source.metadata or {}
    if source.score is not None:
        ctx = _from_score(source.score, audio_s)
    else:
        read = _from_analysis(source.analysis, audio_s) if source.analysis else None
        if read is None:
            from songsmith.engines.builtin.modes.estimate import estimate_context

            read = estimate_context(source.audio, source.sample_rate)
        ctx = read
    ctx.tags = str(meta.get("tags") or "")
    ctx.negative_tags = str(meta.get("negative_tags") or "")
    seed = meta.get("seed")
    ctx.seed = seed if isinstance(seed, int) else None
    genre = meta.get("genre")
    ctx.genre = genre if isinstance(genre, str) else None
    gender = meta.get("vocal_gender")
    if ctx.vocal_gender is None and gender in ("f", "m"):
        ctx.vocal_gender = str(gender)
    return ctx


def _from_score(score: Score, audio_s: float) -> MusicalContext:
    parsed = parse_key(score.key) or (0, "major")
    programs = tuple(
        sorted(
            {
                t.program
                for t in score.tracks
                if t.notes and not t.is_drum and t.group not in VOCAL_GROUPS
            }
        )
    )
    lead = [n for t in score.tracks if t.group == "vocals" for n in t.notes]
    gender = None
    if lead:
        median = sorted(n.pitch for n in lead)[len(lead) // 2]
        gender = "m" if median < 57 else "f"  # the two voice ranges meet around A3
    return MusicalContext(
        bpm=float(score.bpm),
        tonic=parsed[0],
        mode=parsed[1],
        time_signature=score.time_signature,
        origin_s=0.0,
        end_s=max(0.0, score.duration_s - TAIL_S),
        audio_s=audio_s or score.duration_s,
        vocal_gender=gender,
        programs=programs,
        chords=list(score.chords),
        sections=[(s.start_s, s.end_s, s.name) for s in score.sections],
        from_score=True,
    )


def _from_analysis(analysis: dict[str, Any], audio_s: float) -> MusicalContext | None:
    """Read what `media/analysis.py` stored; None when it lacks a tempo."""
    try:
        bpm = float(analysis.get("bpm") or analysis.get("tempo") or 0.0)
    except (TypeError, ValueError):
        return None
    if not 30.0 <= bpm <= 300.0:
        return None
    parsed = parse_key(str(analysis.get("key") or "")) or (0, "major")
    meter = _meter(analysis.get("time_signature"))
    beats = [float(b) for b in analysis.get("beats") or [] if _is_number(b)]
    downbeats = [float(b) for b in analysis.get("downbeats") or [] if _is_number(b)]
    origin = downbeats[0] if downbeats else (beats[0] if beats else 0.0)
    bar_s = meter[0] * 4.0 / meter[1] * 60.0 / bpm
    origin = origin - math.floor(origin / bar_s) * bar_s  # the first bar line at or after 0
    return MusicalContext(
        bpm=bpm,
        tonic=parsed[0],
        mode=parsed[1],
        time_signature=meter,
        origin_s=origin,
        end_s=audio_s,
        audio_s=audio_s,
        chords=_chords(analysis.get("chords"), beats),
        sections=_sections(analysis.get("sections")),
    )


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and math.isfinite(float(value))


def _meter(value: Any) -> tuple[int, int]:
    if isinstance(value, str) and "/" in value:
        num, _, den = value.partition("/")
        if num.strip().isdigit() and den.strip().isdigit():
            return int(num), int(den)
    if isinstance(value, list | tuple) and len(value) == 2:
        return int(value[0]), int(value[1])
    return 4, 4


def _chords(value: Any, beats: list[float]) -> list[tuple[float, float, str]]:
    """Accepts (start, end, symbol) rows, {start, end, chord|symbol|label} rows, or one symbol
    per beat; "N" (no chord) rows are left out."""
    rows: list[tuple[float, float, str]] = []
    if not isinstance(value, list):
        return rows
    if value and all(isinstance(v, str) for v in value) and len(beats) >= len(value):
        for i, symbol in enumerate(value):
            beat_end = beats[i + 1] if i + 1 < len(beats) else beats[i] + 0.5
            rows.append((beats[i], beat_end, symbol))
    else:
        for item in value:
            if isinstance(item, dict):
                start, end = (
                    item.get("start", item.get("start_s")),
                    item.get("end", item.get("end_s")),
                )
                symbol = item.get("chord", item.get("symbol", item.get("label")))
            elif isinstance(item, list | tuple) and len(item) >= 3:
                start, end, symbol = item[0], item[1], item[2]
            else:
                continue
            if _is_number(start) and _is_number(end) and isinstance(symbol, str):
                rows.append((float(start), float(end), symbol))
    merged: list[tuple[float, float, str]] = []
    for start, end, symbol in sorted(rows):
        if symbol.strip().upper() in ("N", "X", "") or end <= start:
            continue
        if merged and merged[-1][2] == symbol and abs(merged[-1][1] - start) < 0.05:
            merged[-1] = (merged[-1][0], end, symbol)
        else:
            merged.append((start, end, symbol))
    return merged


def _sections(value: Any) -> list[tuple[float, float, str]]:
    rows = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, dict):
            start = item.get("start", item.get("start_s"))
            end = item.get("end", item.get("end_s"))
            kind = str(item.get("name") or item.get("kind") or item.get("label") or "verse")
            if _is_number(start) and _is_number(end):
                rows.append((float(start), float(end), kind.lower()))
    return rows


def snap_to_grid(ctx: MusicalContext, t: float) -> tuple[float, float, str]:
    """(time, beats into its bar, "bar"|"beat"): the nearest bar line when one is within a beat,
    else the nearest beat. Never past the source's audio."""
    bar_pos = ctx.bar_index(t)
    nearest_bar = round(bar_pos)
    if abs(bar_pos - nearest_bar) * ctx.beats_per_bar <= 1.0 + 1e-9:
        snapped, into, unit = ctx.bar_time(nearest_bar), 0.0, "bar"
    else:
        beat = round((t - ctx.origin_s) / ctx.beat_s)
        snapped = ctx.origin_s + beat * ctx.beat_s
        into, unit = float(beat % round(ctx.beats_per_bar)), "beat"
    while snapped > ctx.audio_s + 1e-6 or snapped < -1e-6:
        step = ctx.beat_s if snapped > 0 else -ctx.beat_s
        snapped -= step
        into = (into - (1 if step > 0 else -1)) % round(ctx.beats_per_bar)
        unit = "beat"
    return max(0.0, snapped), into, unit
