"""The source's chords as a `Harmony` on a segment's beat grid, so new parts follow them."""

from __future__ import annotations

import re

from songsmith.engines.builtin.harmony import VOICING_RANGE, Chord, ChordEvent, Harmony
from songsmith.engines.builtin.modes.context import MusicalContext

_ROOT_RE = re.compile(r"^\s*([A-Ga-g])([#♯b♭]?)(.*)$")
_LETTER_PC = {"c": 0, "d": 2, "e": 4, "f": 5, "g": 7, "a": 9, "b": 11}
# longest suffix first, so "maj7" is not read as "m" + "aj7"
_QUALITIES: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("maj9", (0, 4, 7, 11)),
    ("maj7", (0, 4, 7, 11)),
    ("m7b5", (0, 3, 6, 10)),
    ("dim7", (0, 3, 6, 9)),
    ("add9", (0, 4, 7, 2)),
    ("sus2", (0, 2, 7)),
    ("sus4", (0, 5, 7)),
    ("min7", (0, 3, 7, 10)),
    ("min", (0, 3, 7)),
    ("maj", (0, 4, 7)),
    ("dim", (0, 3, 6)),
    ("aug", (0, 4, 8)),
    ("sus", (0, 5, 7)),
    ("m9", (0, 3, 7, 10)),
    ("m7", (0, 3, 7, 10)),
    ("m6", (0, 3, 7, 9)),
    ("M7", (0, 4, 7, 11)),
    ("ø", (0, 3, 6, 10)),
    ("°", (0, 3, 6)),
    ("+", (0, 4, 8)),
    ("m", (0, 3, 7)),
    ("13", (0, 4, 7, 10)),
    ("11", (0, 4, 7, 10)),
    ("9", (0, 4, 7, 10)),
    ("7", (0, 4, 7, 10)),
    ("6", (0, 4, 7, 9)),
    ("5", (0, 7)),
    (":min", (0, 3, 7)),
    (":maj", (0, 4, 7)),
)


def parse_chord(symbol: str) -> Chord | None:
    """ "Am7", "F#", "Bbmaj7", "C/E", "A:min" -> Chord; None for no chord or unreadable text."""
    match = _ROOT_RE.match(symbol or "")
    if not match:
        return None
    letter, accidental, rest = match.groups()
    root = _LETTER_PC[letter.lower()] + (1 if accidental in ("#", "♯") else 0)
    root = (root - (1 if accidental in ("b", "♭") else 0)) % 12
    quality = rest.split("/")[0].strip()
    intervals: tuple[int, ...] = (0, 4, 7)
    for suffix, chord_intervals in _QUALITIES:
        if quality.startswith(suffix):
            intervals = chord_intervals
            break
    return Chord(root=root, intervals=intervals, symbol=symbol.strip())


def voice(chord: Chord, previous: tuple[int, ...] | None) -> tuple[int, ...]:
    """Close position inside the accompaniment range, moving as little as possible."""
    pcs = list(dict.fromkeys(chord.pitch_classes))[:4]
    lo, hi = VOICING_RANGE
    candidates = []
    for rotation in range(len(pcs)):
        order = pcs[rotation:] + pcs[:rotation]
        pitches = [lo + (order[0] - lo) % 12]
        for pc in order[1:]:
            pitches.append(pitches[-1] + 1 + (pc - pitches[-1] - 1) % 12)
        if pitches[-1] <= hi:
            candidates.append(tuple(pitches))
    if not candidates:
        candidates = [tuple(sorted(60 + pc for pc in pcs))]
    centre = (lo + hi) / 2
    if previous is None:
        return min(candidates, key=lambda v: abs(sum(v) / len(v) - centre))
    return min(
        candidates,
        key=lambda v: (
            sum(min(abs(a - b) for b in v) for a in previous) + 0.2 * abs(sum(v) / len(v) - centre)
        ),
    )


def harmony_from_chords(
    ctx: MusicalContext,
    start_s: float,
    beats: float,
    section_of_beat: list[int],
    scale: tuple[int, ...],
) -> Harmony | None:
    """Chord events for a segment whose beat 0 sits at `start_s` in the source and lasts `beats`
    quarter beats; None when the source has no readable chords there.

    Changes snap to the nearest beat; the first chord reaches back to beat 0 and each chord holds
    until the next, so `Harmony.at` always answers.
    """
    beat_s = ctx.beat_s
    end_s = start_s + beats * beat_s
    rows: list[tuple[float, Chord]] = []
    for chord_start, chord_end, symbol in ctx.chords:
        if chord_end <= start_s + 1e-6 or chord_start >= end_s - 1e-6:
            continue
        chord = parse_chord(symbol)
        if chord is None:
            continue
        beat = max(0.0, round((chord_start - start_s) / beat_s))
        if beat >= beats:
            continue
        if rows and rows[-1][0] == beat:
            rows[-1] = (beat, chord)  # two changes on one beat: the later one sounds
        elif not rows or rows[-1][1] != chord:
            rows.append((beat, chord))
    if not rows:
        return None
    rows[0] = (0.0, rows[0][1])
    events: list[ChordEvent] = []
    previous: tuple[int, ...] | None = None
    for i, (beat, chord) in enumerate(rows):
        end = rows[i + 1][0] if i + 1 < len(rows) else beats
        voicing = voice(chord, previous)
        previous = voicing
        bass = 33 + (chord.root - 33) % 12  # A1..G#2, as the composer's bass register
        section = (
            section_of_beat[min(int(beat), len(section_of_beat) - 1)] if section_of_beat else 0
        )
        events.append(ChordEvent(float(beat), float(end - beat), chord, voicing, bass, section))
    return Harmony(events, scale)
