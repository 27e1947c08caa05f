"""Arrangement: the plan's parts played over the form and harmony, as score tracks.

Drums play the family's groove (lighter in verses, fills before section changes, crashes on
section downbeats, humanised), the bass its figure (walking for jazz, 808 with glides for trap),
the chord instruments their rhythm (strums, arpeggios, power chords, pads, stabs), a lead plays a
line where nobody sings, and backing vocals harmonise the chorus on their own track.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from songsmith.engines.builtin import grooves as g
from songsmith.engines.builtin.form import Form, FormSection
from songsmith.engines.builtin.genres import RISER_PROGRAM, Part, group_of_program
from songsmith.engines.builtin.harmony import ChordEvent, Harmony
from songsmith.engines.builtin.melody import CHORUS_KINDS, Melody, instrumental_melody
from songsmith.engines.builtin.plan import SongPlan
from songsmith.engines.score import Note, Track

SECTION_ENERGY = {
    "intro": 0.4,
    "verse": 0.55,
    "pre-chorus": 0.7,
    "chorus": 1.0,
    "hook": 0.9,
    "drop": 1.0,
    "bridge": 0.6,
    "break": 0.3,
    "instrumental": 0.85,
    "outro": 0.45,
}
FULL_KINDS = frozenset(("chorus", "hook", "drop", "instrumental"))
# sounding ranges of melodic instruments by program (inclusive MIDI pitches)
_LEAD_RANGES = {
    40: (62, 86),
    42: (48, 69),
    56: (58, 80),
    61: (55, 77),
    65: (56, 79),
    66: (51, 74),
    73: (67, 91),
    22: (60, 84),
    110: (62, 86),
    10: (72, 96),
    11: (60, 84),
    71: (55, 79),
    46: (60, 84),
    24: (52, 76),
    25: (52, 76),
    57: (46, 70),
    60: (50, 74),
    92: (60, 84),
}
_RISER_FAMILIES = frozenset(
    ("pop", "rock", "electronic", "trap", "synthwave", "cinematic", "metal")
)
_PERCUSSION_PATTERNS = {
    62: "..x...x...x...x.",
    63: "......x.......xx",
    64: "x.......x.x.....",
    70: "oxoxoxoxoxoxoxox",
    75: "x..x..x...x.x...",
    60: "x.x...x.x.x...x.",
    61: "...x.......x....",
    54: "....x.......x...",
    56: "x...x...x...x...",
}


_SUSTAINED = frozenset([*range(16, 21), *range(40, 56), *range(88, 100)])


@dataclass
class _Bar:
    index: int  # bar number in the song
    beat: float  # start, in quarter beats
    section: FormSection
    section_index: int
    bar_in_section: int
    chord: ChordEvent
    energy: float
    last_of_section: bool
    last_of_song: bool


def arrange(
    plan: SongPlan,
    form: Form,
    harmony: Harmony,
    vocal: Melody | None,
    rng: np.random.Generator,
) -> list[Track]:
    """Every instrument track of the song (the lead vocal track is added by the caller)."""
    bars = _bars(plan, form, harmony)
    tracks: list[Track] = []
    if plan.drums and plan.family.groove:
        tracks.append(_drums(plan, form, bars, rng))
    elif plan.drums:
        tracks.append(_drums(plan, form, bars, rng, groove="ballad"))
    if plan.percussion:
        tracks.append(_percussion(plan, bars, rng))
    sung = vocal is not None and bool(vocal.notes)
    has_chorus = any(s.kind in FULL_KINDS for s in form.sections)
    lead_line: Melody | None = None
    for part in plan.parts:
        track = Track(name=part.name, group=group_of_program(part.program), program=part.program)
        if part.role == "bass":
            _bass(track, plan, bars, rng)
        elif part.role == "chords":
            _chords(track, plan, bars, plan.family.chord_style, rng)
        elif part.role == "chords2":
            _chords(track, plan, bars, _style_for(part.program, plan), rng, velocity=0.55)
        elif part.role in ("keys2", "pad", "brass", "fx"):
            _support(track, part, plan, bars, rng, has_chorus)
        else:  # lead, feature
            if lead_line is None:
                lead_line = _lead_line(plan, form, harmony, part, rng, sung)
            _melodic(track, part, plan, form, lead_line, vocal, rng, sung)
        if not track.notes:
            _chords(track, plan, bars, "pad", rng, velocity=0.35)  # every named part sounds
        tracks.append(track)
    if sung and vocal is not None:
        backing = backing_vocals(vocal, harmony, rng)
        if backing.notes:
            tracks.append(backing)
    if plan.family.name in _RISER_FAMILIES:
        riser = _risers(plan, form)
        if riser.notes:
            tracks.append(riser)
    _unique_names(tracks)
    return tracks


def backing_vocals(vocal: Melody, harmony: Harmony, rng: np.random.Generator) -> Track:
    """Chorus harmony a third away (or a sixth) and unison doubles, monophonic, on its own track."""
    track = Track(name="backing_vocals", group="backing_vocals", program=53)
    scale = [p for p in range(vocal.low - 5, vocal.high + 6) if p % 12 in harmony.scale]
    pattern = int(rng.integers(0, 3))  # which chorus lines double and which harmonise
    chorus_lines = [p for p in vocal.phrases if p.kind in CHORUS_KINDS]
    for number, phrase in enumerate(chorus_lines):
        double = (pattern == 1 and number % 2 == 1) or (pattern == 2 and number % 4 == 3)
        shift = -2 if rng.random() < 0.75 else -5  # a third below, sometimes a sixth below
        for note in phrase.notes:
            pitch = note.pitch
            if not double and note.pitch in scale:
                i = scale.index(note.pitch) + shift
                if i < 0 or scale[i] < vocal.low - 3:
                    i = scale.index(note.pitch) + 2
                pitch = scale[min(max(i, 0), len(scale) - 1)]
            delay = 0.012  # the double lands a touch late, as a second singer would
            start, end = note.start + delay, note.end + delay
            track.notes.append(Note(pitch, start, end, note.velocity * 0.8, note.syllable))
    return track


def _bars(plan: SongPlan, form: Form, harmony: Harmony) -> list[_Bar]:
    result = []
    bpb = plan.beats_per_bar
    total = form.total_bars
    for si, section in enumerate(form.sections):
        energy = SECTION_ENERGY.get(section.kind, 0.6) * (0.55 + 0.45 * plan.energy) / 1.0
        for b in range(section.bars):
            index = section.start_bar + b
            beat = index * bpb
            result.append(
                _Bar(
                    index,
                    beat,
                    section,
                    si,
                    b,
                    harmony.at(beat),
                    min(energy, 1.0),
                    b == section.bars - 1,
                    index == total - 1,
                )
            )
    return result


def _note(
    plan: SongPlan, pitch: int, beat: float, length: float, velocity: float, jitter: float = 0.0
) -> Note:
    start = max(0.0, plan.time_of(beat) + jitter)
    end = max(start + 0.03, plan.time_of(beat + length) - 0.01)
    return Note(int(pitch), start, end, float(np.clip(velocity, 0.05, 1.0)))


def _figure_events(plan: SongPlan, figure: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """A 4/4 figure's events that fit this meter's bar, in quarter beats."""
    bpb = plan.beats_per_bar
    events = []
    for event in figure:
        beat, length = event[0] / 2.0, event[1] / 2.0
        if beat < bpb - 1e-6:
            events.append((beat, min(length, bpb - beat), *event[2:]))
    return events


# ----------------------------------------------------------------------------- drums


def _drums(
    plan: SongPlan,
    form: Form,
    bars: list[_Bar],
    rng: np.random.Generator,
    groove: str | None = None,
) -> Track:
    track = Track(name="drums", group="drums", program=0, is_drum=True)
    name = groove or plan.family.groove
    steps = round(plan.beats_per_bar * 4)
    base = g.GROOVES[name] if steps == 16 else _meter_groove(plan, name, steps)
    fill = g.FILLS[int(rng.integers(0, len(g.FILLS)))]
    for bar in bars:
        kind = bar.section.kind
        if kind == "break" or (kind == "intro" and bar.bar_in_section < bar.section.bars // 2):
            if kind == "intro" and name in ("house", "disco", "synthwave", "trap") and steps == 16:
                _hits(track, plan, bar, {g.KICK: "x...x...x...x..."}, rng, bar.energy)
            continue
        if bar.last_of_song:
            ending = "X" + "." * (steps - 1)
            _hits(track, plan, bar, {g.CRASH: ending, g.KICK: ending}, rng, 1.0)
            continue
        pattern = dict(base)
        full = kind in FULL_KINDS or kind == "outro"
        if not full:
            for drum in g.VERSE_DROPS.get(name, ()):
                pattern.pop(drum, None)
        else:
            for old, new in g.CHORUS_SWAPS.get(name, {}).items():
                if old in pattern:
                    pattern[new] = pattern.pop(old)
        if name == "metal" and full and steps == 16:
            pattern[g.KICK] = "xxxxxxxxxxxxxxxx"
        if bar.last_of_section and steps == 16 and bar.section.bars >= 2:
            half = steps // 2
            pattern = {d: p[:half] + "." * half for d, p in pattern.items()}
            pattern.update({d: pattern.get(d, "." * steps)[:8] + p[8:] for d, p in fill.items()})
        if bar.bar_in_section == 0 and (
            full or kind in ("pre-chorus", "bridge") or bar.section_index > 0
        ):
            pattern[g.CRASH] = "X" + "." * (steps - 1)
        _hits(track, plan, bar, pattern, rng, bar.energy)
    return track


def _meter_groove(plan: SongPlan, name: str, steps: int) -> dict[int, str]:
    """A groove for meters other than 4/4: kick on each pulse group, backbeat between, hats."""
    num, den = plan.time_signature
    pulse = 6 if den == 8 and num % 3 == 0 else 4  # compound meters pulse in dotted quarters
    kick = "".join("x" if i % (pulse * 2) == 0 else "." for i in range(steps))
    snare = "".join("x" if i % (pulse * 2) == pulse else "." for i in range(steps))
    if pulse == 4 and num == 3:
        kick = "x" + "." * (steps - 1)
        snare = "".join("o" if i in (4, 8) else "." for i in range(steps))
    hat = "".join("x" if i % 2 == 0 else "." for i in range(steps))
    cymbal = g.RIDE if name == "jazz" else g.CLOSED_HAT
    snare_key = g.SIDE_STICK if name in ("ballad", "onedrop", "latin") else g.SNARE
    return {g.KICK: kick, snare_key: snare, cymbal: hat}


def _hits(
    track: Track,
    plan: SongPlan,
    bar: _Bar,
    pattern: dict[int, str],
    rng: np.random.Generator,
    energy: float,
) -> None:
    for drum, line in pattern.items():
        for step, char in enumerate(line):
            if char not in g.VELOCITY:
                continue
            beat = bar.beat + step / 4.0
            velocity = g.VELOCITY[char] * (0.55 + 0.45 * energy) + float(rng.normal(0, 0.04))
            jitter = float(rng.normal(0, 0.004))
            length = 0.5 if drum not in (g.CRASH, g.OPEN_HAT) else 2.0
            track.notes.append(_note(plan, drum, beat, length, velocity, jitter))


def _percussion(plan: SongPlan, bars: list[_Bar], rng: np.random.Generator) -> Track:
    track = Track(name="percussion", group="percussion", program=0, is_drum=True)
    steps = round(plan.beats_per_bar * 4)
    for bar in bars:
        if bar.section.kind in ("intro", "break") or bar.last_of_song:
            continue
        pattern = {
            key: (_PERCUSSION_PATTERNS.get(key, "..x...x...x.x..x") * 2)[:steps]
            for key in plan.percussion
        }
        _hits(track, plan, bar, pattern, rng, bar.energy * 0.8)
    return track


# ----------------------------------------------------------------------------- bass


def _bass(track: Track, plan: SongPlan, bars: list[_Bar], rng: np.random.Generator) -> None:
    style = plan.family.bass_style
    figure = _figure_events(plan, g.BASS_FIGURES.get(style, g.BASS_FIGURES["pop"]))
    for i, bar in enumerate(bars):
        kind = bar.section.kind
        if kind == "break" or (
            kind == "intro" and bar.bar_in_section < bar.section.bars // 2 and bar.section.bars >= 4
        ):
            continue
        root = bar.chord.bass
        velocity = 0.6 + 0.3 * bar.energy
        if bar.last_of_song:
            track.notes.append(_note(plan, root, bar.beat, plan.beats_per_bar, velocity))
            continue
        next_root = bars[i + 1].chord.bass if i + 1 < len(bars) else root
        if style == "walking":
            _walking_bar(track, plan, bar, next_root, velocity, rng)
            continue
        events = figure
        if bar.energy < 0.5 and style not in ("sustain", "808", "sparse", "tumbao", "reggae"):
            events = [e for e in figure if e[0] in (0.0, 2.0)] or figure[:1]
            events = [
                (b, (events[k + 1][0] if k + 1 < len(events) else plan.beats_per_bar) - b, *r)
                for k, (b, _, *r) in enumerate(events)
            ]
        for beat, length, interval in events:
            pitch = _bass_pitch(root, str(interval), bar.chord, next_root)
            jitter = float(rng.normal(0, 0.003))
            track.notes.append(_note(plan, pitch, bar.beat + beat, length, velocity, jitter))
        bar_end = bar.beat + plan.beats_per_bar
        if style == "808" and next_root != root and bar.chord.end_beat <= bar_end:
            # the 808 glide: a quick slide note into the next root
            glide = next_root + (12 if next_root < root else 0)
            track.notes.append(_note(plan, glide, bar_end - 0.25, 0.25, velocity))


def _bass_pitch(root: int, interval: str, chord_event: ChordEvent, next_root: int) -> int:
    third = 3 if 3 in chord_event.chord.intervals else 4
    offsets = {"r": 0, "5": 7, "8": 12, "3": third, "6": 9, "b7": 10}
    if interval == "n":
        return next_root
    return root + offsets.get(interval, 0)


def _walking_bar(
    track: Track,
    plan: SongPlan,
    bar: _Bar,
    next_root: int,
    velocity: float,
    rng: np.random.Generator,
) -> None:
    beats = int(plan.beats_per_bar)
    root = bar.chord.bass
    tones = sorted({root + i for i in bar.chord.chord.intervals if i < 12} | {root + 12})
    line = [root]
    for k in range(1, beats):
        if k == beats - 1:
            line.append(next_root + (1 if rng.random() < 0.5 else -1))  # chromatic approach
        else:
            line.append(int(tones[int(rng.integers(1, len(tones)))]))
    for k, pitch in enumerate(line):
        track.notes.append(
            _note(
                plan,
                pitch,
                bar.beat + k,
                1.0,
                velocity - 0.1 * (k % 2),
                float(rng.normal(0, 0.004)),
            )
        )


# ----------------------------------------------------------------------------- chords


def _chords(
    track: Track,
    plan: SongPlan,
    bars: list[_Bar],
    style: str,
    rng: np.random.Generator,
    velocity: float | None = None,
    octave: int = 0,
) -> None:
    figure = _figure_events(plan, g.CHORD_FIGURES.get(style, g.CHORD_FIGURES["pad"]))
    lift = 12 if plan.family.name == "trap" else 0  # trap bells sit an octave up
    held: list[Note] = []
    last_chord: ChordEvent | None = None
    for bar in bars:
        if bar.section.kind == "break" and style not in ("pad", "sustain"):
            continue
        level = velocity if velocity is not None else 0.45 + 0.35 * bar.energy
        voicing = [p + octave for p in bar.chord.voicing]
        if bar.last_of_song:
            for pitch in voicing:
                track.notes.append(_note(plan, pitch, bar.beat, plan.beats_per_bar, level))
            continue
        if style in ("pad", "sustain"):
            # hold through a chord that spans bars; a new chord (or section) strikes again
            if bar.chord is last_chord and held:
                end = plan.time_of(bar.beat + plan.beats_per_bar) - 0.01
                for note in held:
                    note.end = end
                continue
            held = [_note(plan, p, bar.beat, plan.beats_per_bar, level * 0.8) for p in voicing]
            track.notes.extend(held)
            last_chord = bar.chord
            continue
        events = figure
        if bar.energy < 0.5 and len(figure) > 2:
            kept = [e for e in figure if e[0] in (0.0, 2.0)] or figure[:1]
            events = [
                (b, (kept[k + 1][0] if k + 1 < len(kept) else plan.beats_per_bar) - b)
                for k, (b, _) in enumerate(kept)
            ]
        for n, (beat, length) in enumerate(events):
            accent = 1.0 if beat % 1.0 == 0 else 0.85
            at = bar.beat + beat
            if style == "power":
                root = 40 + (bar.chord.chord.root - 40) % 12
                pitches = [root, root + 7, root + 12]
            elif style == "shuffle":
                root = 40 + (bar.chord.chord.root - 40) % 12
                pitches = [root, root + (9 if (n // 2) % 2 else 7)]
            elif style == "arpeggio":
                cycle = [*voicing, voicing[0] + 12]
                order = [0, 1, 2, len(cycle) - 1, 2, 1, 0, 1]
                pitches = [cycle[min(order[n % len(order)], len(cycle) - 1)] + lift]
            elif style == "chop":
                pitches = [p + 12 for p in voicing]
            else:
                pitches = voicing
            if style == "strum":
                pitches = [40 + (bar.chord.chord.root - 40) % 12, *voicing]
            spread = 0.008 if style in ("strum", "power", "block") else 0.0
            up = style == "strum" and beat % 1.0 != 0
            ordered = list(reversed(pitches)) if up else pitches
            base = float(rng.normal(0, 0.004))
            for k, pitch in enumerate(ordered):
                offset = base + k * spread
                track.notes.append(_note(plan, pitch, at, length, level * accent, offset))
        if style == "arpeggio" and track.program < 8:
            # the pianist's left hand holds the root an octave above the bass
            hand = _note(plan, bar.chord.bass + 12, bar.beat, plan.beats_per_bar, level * 0.8)
            track.notes.append(hand)


def _style_for(program: int, plan: SongPlan) -> str:
    """How a named accompanist plays: guitars strum or chug, keys block or break chords."""
    if program in (24, 25):
        return "strum"
    if program in (29, 30):
        return "power"
    if program in (26, 27, 28):
        return "comp" if plan.family.swing >= 0.25 else "chop"
    if program < 8:
        busy = plan.family.chord_style in ("power", "strum", "stabs", "chop", "shuffle")
        return "arpeggio" if busy or plan.energy < 0.5 else "block"
    return "arpeggio"  # bells, harp, banjo and other plucked or struck sounds pick the chord


def _support(
    track: Track,
    part: Part,
    plan: SongPlan,
    bars: list[_Bar],
    rng: np.random.Generator,
    has_chorus: bool,
) -> None:
    """Secondary harmony: pads, second keys, brass stabs, drones. Full sections only."""
    always = plan.family.name in ("ambient", "cinematic", "synthwave") and part.role == "pad"
    active = [
        b
        for b in bars
        if always
        or b.section.kind in FULL_KINDS | {"bridge", "outro"}
        or (not has_chorus and b.section_index == bars[-1].section_index - 1)
    ]
    if not active:
        active = bars[-max(1, len(bars) // 4) :]
    sustained = part.program in _SUSTAINED
    if part.role == "brass":
        style, octave = "comp", 0
    elif part.role == "fx" or sustained:
        style, octave = "pad", (12 if part.program in range(40, 52) else 0)
    else:
        style, octave = "arpeggio", 12
    _chords(track, plan, active, style, rng, velocity=0.4 if style == "pad" else 0.5, octave=octave)


# ----------------------------------------------------------------------------- lead lines


def _range_of(program: int) -> tuple[int, int]:
    return _LEAD_RANGES.get(program, (60, 84))


def _lead_line(
    plan: SongPlan, form: Form, harmony: Harmony, part: Part, rng: np.random.Generator, sung: bool
) -> Melody:
    low, high = _range_of(part.program)
    kinds = (
        None
        if not sung
        else frozenset(("intro", "instrumental", "outro", "break", "solo", "drop", "bridge"))
    )
    return instrumental_melody(plan, form, harmony, rng, low=low, high=high, kinds=kinds)


def _melodic(
    track: Track,
    part: Part,
    plan: SongPlan,
    form: Form,
    line: Melody,
    vocal: Melody | None,
    rng: np.random.Generator,
    sung: bool,
) -> None:
    low, high = _range_of(part.program)
    if part.role == "lead":
        for note in line.notes:
            track.notes.append(
                Note(_into(note.pitch, low, high), note.start, note.end, note.velocity * 0.9)
            )
        return
    # a featured instrument doubles the chorus tune (sung or played) in its own register
    source = vocal.phrases if sung and vocal is not None else line.phrases
    for phrase in source:
        if phrase.kind not in FULL_KINDS and sung:
            continue
        for note in phrase.notes:
            track.notes.append(Note(_into(note.pitch, low, high), note.start, note.end, 0.5))


def _into(pitch: int, low: int, high: int) -> int:
    while pitch < low:
        pitch += 12
    while pitch > high:
        pitch -= 12
    return pitch


def _risers(plan: SongPlan, form: Form) -> Track:
    """A reverse-cymbal swell into each chorus."""
    track = Track(name="riser", group="fx", program=RISER_PROGRAM)
    bpb = plan.beats_per_bar
    for section in form.sections[1:]:
        if section.kind in ("chorus", "drop"):
            end = section.start_bar * bpb
            track.notes.append(_note(plan, 60, max(0.0, end - bpb), bpb, 0.5))
    return track


def _unique_names(tracks: list[Track]) -> None:
    seen: dict[str, int] = {}
    for track in tracks:
        count = seen.get(track.name, 0)
        seen[track.name] = count + 1
        if count:
            track.name = f"{track.name}_{count + 1}"
