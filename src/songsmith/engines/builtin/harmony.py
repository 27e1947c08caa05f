"""Harmony: a chord per bar (or two bars) for every section, voiced with voice leading.

Progressions come from the genre family as Roman numerals (`genres.py`); the chorus takes its own
(lifting) progression, the bridge a contrasting one, and the last sung bars cadence V -> I so the
melody's final tonic sits on the tonic chord.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

import numpy as np

from songsmith.engines.builtin.form import Form
from songsmith.engines.builtin.plan import SongPlan

MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)
MINOR_SCALE = (0, 2, 3, 5, 7, 8, 10)  # natural minor; V is raised at cadences
_ROMAN = {"i": 0, "ii": 2, "iii": 4, "iv": 5, "v": 7, "vi": 9, "vii": 11}
_ROMAN_RE = re.compile(r"^([b#]?)(iii|vii|ii|iv|vi|i|v)(.*)$", re.IGNORECASE)
_SHARP_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
_FLAT_NAMES = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")
_FLAT_KEYS = frozenset(
    [
        "F major",
        "Bb major",
        "Eb major",
        "Ab major",
        "Db major",
        "D minor",
        "G minor",
        "C minor",
        "F minor",
        "Bb minor",
        "Eb minor",
    ]
)
# suffix -> (intervals when the numeral is upper case, when lower case, symbol upper, lower)
_SUFFIXES: dict[str, tuple[tuple[int, ...], tuple[int, ...], str, str]] = {
    "": ((0, 4, 7), (0, 3, 7), "", "m"),
    "7": ((0, 4, 7, 10), (0, 3, 7, 10), "7", "m7"),
    "maj7": ((0, 4, 7, 11), (0, 4, 7, 11), "maj7", "maj7"),
    "9": ((0, 4, 7, 10, 14), (0, 3, 7, 10, 14), "9", "m9"),
    "6": ((0, 4, 7, 9), (0, 3, 7, 9), "6", "m6"),
    "add9": ((0, 4, 7, 14), (0, 3, 7, 14), "add9", "madd9"),
    "sus2": ((0, 2, 7), (0, 2, 7), "sus2", "sus2"),
    "sus4": ((0, 5, 7), (0, 5, 7), "sus4", "sus4"),
    "5": ((0, 7), (0, 7), "5", "5"),
    "dim": ((0, 3, 6), (0, 3, 6), "dim", "dim"),
    "°": ((0, 3, 6), (0, 3, 6), "dim", "dim"),
    "ø": ((0, 3, 6, 10), (0, 3, 6, 10), "m7b5", "m7b5"),
}
_DEFAULT_PROGRESSIONS = {
    "major": {
        "verse": ("I", "V", "vi", "IV"),
        "chorus": ("IV", "I", "V", "vi"),
        "bridge": ("vi", "IV", "V", "V"),
        "pre": ("ii", "IV", "V", "V"),
    },
    "minor": {
        "verse": ("i", "bVI", "bIII", "bVII"),
        "chorus": ("bVI", "bVII", "i", "i"),
        "bridge": ("iv", "bVI", "bVII", "V"),
        "pre": ("iv", "bVI", "bVII", "V"),
    },
}
_PROGRESSION_OF_KIND = {
    "verse": "verse",
    "chorus": "chorus",
    "hook": "chorus",
    "drop": "chorus",
    "pre-chorus": "pre",
    "bridge": "bridge",
    "break": "bridge",
    "intro": "verse",
    "outro": "chorus",
    "instrumental": "chorus",
}
VOICING_RANGE = (52, 74)  # E3..D5: where chord instruments sit under a voice


@dataclass(frozen=True)
class Chord:
    root: int  # pitch class
    intervals: tuple[int, ...]  # semitones above the root
    symbol: str  # "Am7"

    @property
    def pitch_classes(self) -> tuple[int, ...]:
        return tuple((self.root + i) % 12 for i in self.intervals)


@dataclass
class ChordEvent:
    start_beat: float  # quarter beats from the start of the song
    beats: float
    chord: Chord
    voicing: tuple[int, ...]  # MIDI pitches, close position, voice-led
    bass: int  # MIDI pitch of the root in the bass register
    section_index: int

    @property
    def end_beat(self) -> float:
        return self.start_beat + self.beats


@dataclass
class Harmony:
    events: list[ChordEvent]
    scale: tuple[int, ...]  # pitch classes of the key's scale, tonic first

    def at(self, beat: float) -> ChordEvent:
        starts = [e.start_beat for e in self.events]
        index = max(0, bisect.bisect_right(starts, beat + 1e-9) - 1)
        return self.events[index]


def scale_of(plan: SongPlan) -> tuple[int, ...]:
    steps = MAJOR_SCALE if plan.mode == "major" else MINOR_SCALE
    return tuple((plan.tonic + s) % 12 for s in steps)


def parse_numeral(numeral: str, tonic: int, key: str = "") -> Chord:
    """'bVII', 'ii7', 'Imaj7', 'iiø' ... -> Chord. Unknown text falls back to the tonic triad."""
    match = _ROMAN_RE.match(numeral.strip())
    if not match:
        return parse_numeral("I", tonic, key)
    accidental, roman, suffix = match.groups()
    offset = _ROMAN[roman.lower()] + (-1 if accidental == "b" else 1 if accidental == "#" else 0)
    upper = roman.isupper()
    major_iv, minor_iv, major_sym, minor_sym = _SUFFIXES.get(suffix, _SUFFIXES[""])
    root = (tonic + offset) % 12
    names = _FLAT_NAMES if key in _FLAT_KEYS or accidental == "b" else _SHARP_NAMES
    return Chord(
        root=root,
        intervals=major_iv if upper else minor_iv,
        symbol=names[root] + (major_sym if upper else minor_sym),
    )


def harmonize(plan: SongPlan, form: Form, rng: np.random.Generator) -> Harmony:
    """Chord events for the whole form, voice-led, ending on a cadence."""
    family = plan.family
    table = family.progressions_major if plan.mode == "major" else family.progressions_minor
    defaults = _DEFAULT_PROGRESSIONS[plan.mode]
    rotate_verse = int(rng.integers(0, 2)) * 2  # per seed: start the verse loop on bar 1 or 3
    chord_bars = plan.family.bars_per_chord
    tonic_numeral = "I" if plan.mode == "major" else "i"

    def verse_opening(progressions: dict[str, tuple[str, ...]]) -> str:
        verse = progressions.get("verse") or defaults["verse"]
        return verse[rotate_verse % len(verse)] if len(verse) == 4 else verse[0]

    numerals_per_bar: list[tuple[str, int]] = []  # (numeral, section index), one per bar
    for index, section in enumerate(form.sections):
        name = _PROGRESSION_OF_KIND.get(section.kind, "verse")
        if section.kind == "instrumental" and section.occurrence % 2 == 1:
            name = "verse"
        progression = table.get(name) or table.get("verse") or defaults[name]
        if name in ("bridge", "pre") and name not in table:
            progression = defaults[name]
        if section.kind == "intro" and tonic_numeral in progression:
            at = progression.index(tonic_numeral)  # the intro states the key before anything
            progression = progression[at:] + progression[:at]
        elif name == "verse" and len(progression) == 4:
            progression = progression[rotate_verse:] + progression[:rotate_verse]
        elif name != "verse" and len(progression) > 1 and progression[0] == verse_opening(table):
            progression = progression[1:] + progression[:1]  # contrast: open somewhere else
        step = 1 if len(progression) >= 8 else chord_bars
        for bar in range(section.bars):
            numerals_per_bar.append((progression[(bar // step) % len(progression)], index))
    _cadence(numerals_per_bar, form, plan)
    return Harmony(_voice(numerals_per_bar, plan), scale_of(plan))


def _cadence(bars: list[tuple[str, int]], form: Form, plan: SongPlan) -> None:
    tonic = "I" if plan.mode == "major" else "i"
    dominant = "V7" if plan.family.name in ("jazz", "blues", "funk", "rnb", "lofi") else "V"
    last_sung = max((i for i, s in enumerate(form.sections) if s.sung), default=-1)
    if last_sung >= 0:
        section = form.sections[last_sung]
        end = section.start_bar + section.bars
        if section.bars >= 2:
            bars[end - 2] = (dominant, last_sung)
        bars[end - 1] = (tonic, last_sung)
    if bars:
        bars[-1] = (tonic, bars[-1][1])  # the song ends home
        last_section = form.sections[-1]
        after_singing = last_sung < len(form.sections) - 1
        if last_section.kind == "outro" and last_section.bars >= 2 and after_singing:
            bars[-2] = (dominant if last_section.bars >= 4 else tonic, bars[-2][1])


def _voice(bars: list[tuple[str, int]], plan: SongPlan) -> list[ChordEvent]:
    beats = plan.beats_per_bar
    events: list[ChordEvent] = []
    previous: tuple[int, ...] | None = None
    for bar, (numeral, section_index) in enumerate(bars):
        chord = parse_numeral(numeral, plan.tonic, plan.key)
        if events and events[-1].chord == chord and events[-1].section_index == section_index:
            events[-1].beats += beats  # a held chord is one event
            continue
        voicing = _voice_lead(chord, previous)
        previous = voicing
        bass = 33 + (chord.root - 33) % 12  # A1..G#2: low, inside every GM bass's range
        events.append(ChordEvent(bar * beats, beats, chord, voicing, bass, section_index))
    return events


def _voice_lead(chord: Chord, previous: tuple[int, ...] | None) -> tuple[int, ...]:
    """The inversion of `chord` (close position, 3-4 notes) closest to the previous voicing."""
    pcs = list(dict.fromkeys(pc for pc in chord.pitch_classes))[:4]
    lo, hi = VOICING_RANGE
    candidates: list[tuple[int, ...]] = []
    for rotation in range(len(pcs)):
        order = pcs[rotation:] + pcs[:rotation]
        for base_octave in (48, 60):
            notes: list[int] = []
            for pc in order:
                pitch = base_octave + pc
                while notes and pitch <= notes[-1]:
                    pitch += 12
                notes.append(pitch)
            if lo <= notes[0] and notes[-1] <= hi:
                candidates.append(tuple(notes))
    if not candidates:
        notes = sorted(60 + pc for pc in pcs)
        candidates = [tuple(notes)]
    centre = (lo + hi) / 2
    if previous is None:
        return min(candidates, key=lambda v: abs(sum(v) / len(v) - centre))

    def movement(voicing: tuple[int, ...]) -> float:
        # each voice moves to its nearest new note; a small pull to the centre stops drifting
        cost = sum(min(abs(a - b) for b in voicing) for a in previous)
        return cost + 0.2 * abs(sum(voicing) / len(voicing) - centre)

    return min(candidates, key=movement)
