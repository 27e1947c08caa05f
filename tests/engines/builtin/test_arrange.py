from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from songsmith.engines.builtin import grooves as g
from songsmith.engines.builtin.compose import Composition
from songsmith.engines.builtin.genres import FAMILIES
from songsmith.engines.score import Note, Track

GROUPS = {
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
}


def _track(song: Composition, name: str) -> Track:
    track = song.track(name)
    assert track is not None, [t.name for t in song.score.tracks]
    return track


def _in(notes: list[Note], start: float, end: float) -> list[Note]:
    return [n for n in notes if start <= n.start < end]


@pytest.mark.parametrize("family", [f.name for f in FAMILIES])
def test_every_family_arranges_valid_tracks(
    composed: Callable[..., Composition], family: str
) -> None:
    song = composed(tags=family, seed=2)
    names = [t.name for t in song.score.tracks]
    assert len(names) == len(set(names))
    for track in song.score.tracks:
        assert track.group in GROUPS
        assert track.notes, track.name
        for note in track.notes:
            assert 0 <= note.pitch <= 127
            assert 0.0 <= note.start < note.end <= song.score.duration_s + 1e-6
            assert 0.0 < note.velocity <= 1.0
    for part in song.plan.parts:
        assert any(t.program == part.program and t.notes for t in song.score.tracks)


def test_drums_groove_with_fills_crashes_and_human_timing(
    composed: Callable[..., Composition],
) -> None:
    song = composed(tags="rock", seed=4)
    drums = _track(song, "drums")
    assert drums.is_drum
    crashes = [n.start for n in drums.notes if n.pitch == g.CRASH]
    for section in song.score.sections[1:]:
        if section.name in ("chorus", "verse", "bridge"):
            assert any(abs(c - section.start_s) < 0.03 for c in crashes), section
    spb = song.plan.seconds_per_beat
    offsets = [abs(n.start / (spb / 4) - round(n.start / (spb / 4))) for n in drums.notes]
    assert sum(o > 1e-3 for o in offsets) > len(offsets) // 2  # humanised, not on the grid
    assert max(offsets) * spb / 4 < 0.03  # ... but never sloppy
    toms = [n for n in drums.notes if n.pitch in (g.HIGH_TOM, g.MID_TOM, g.FLOOR_TOM)]
    snare_rolls = [n for n in drums.notes if n.pitch == g.SNARE]
    assert toms or len(snare_rolls) > 0


def test_verses_are_sparser_than_choruses(composed: Callable[..., Composition]) -> None:
    song = composed(tags="pop", seed=3)
    verse = next(s for s in song.score.sections if s.name == "verse")
    chorus = next(s for s in song.score.sections if s.name == "chorus")

    def density(section_start: float, section_end: float) -> float:
        count = sum(
            len(_in(t.notes, section_start, section_end))
            for t in song.score.tracks
            if t.group not in ("vocals", "backing_vocals")
        )
        return count / (section_end - section_start)

    assert density(chorus.start_s, chorus.end_s) > 1.2 * density(verse.start_s, verse.end_s)


def test_walking_bass_and_808_glides(composed: Callable[..., Composition]) -> None:
    jazz = composed(tags="jazz", seed=1)
    bass = _track(jazz, "upright_bass").notes
    spb = jazz.plan.seconds_per_beat
    verse = next(s for s in jazz.score.sections if s.name == "verse")
    walking = _in(bass, verse.start_s - 0.02, verse.end_s - 0.02)  # humanised timing
    beats = round((verse.end_s - verse.start_s) / spb)
    assert len(walking) == beats  # a note on every beat
    assert len({n.pitch for n in walking}) > 6

    trap = composed(tags="trap", seed=1)
    low = _track(trap, "bass_808").notes
    assert any(n.end - n.start < 0.3 * trap.plan.seconds_per_beat * 4 for n in low)
    assert max(n.end - n.start for n in low) > trap.plan.seconds_per_beat  # long 808 notes


def test_power_chords_and_arpeggios(composed: Callable[..., Composition]) -> None:
    punk = composed(tags="punk", seed=1)
    guitar = _track(punk, "rhythm_guitar").notes
    first = sorted(n.pitch for n in guitar if abs(n.start - guitar[0].start) < 0.03)
    assert [p - first[0] for p in first] == [0, 7, 12]
    ballad = composed(tags="piano ballad", seed=1)
    piano = _track(ballad, "piano").notes
    onsets = sorted({round(n.start, 2) for n in piano})
    assert len(onsets) > len(ballad.harmony.events) * 4  # broken chords, not blocks


def test_backing_vocals_harmonise_the_chorus_on_their_own_track(
    composed: Callable[..., Composition],
) -> None:
    song = composed(tags="pop", seed=6)
    backing = _track(song, "backing_vocals")
    lead = _track(song, "lead_vocal")
    assert backing.group == "backing_vocals" and lead.group == "vocals"
    choruses = [(s.start_s, s.end_s) for s in song.score.sections if s.name == "chorus"]
    assert all(any(a <= n.start < b for a, b in choruses) for n in backing.notes)
    notes = sorted(backing.notes, key=lambda n: n.start)
    assert all(x.end <= y.start + 1e-9 for x, y in itertools.pairwise(notes))
    assert backing.notes[0].syllable is not None
    lead_by_time = {round(n.start, 3): n.pitch for n in lead.notes}
    harmonised = sum(
        lead_by_time.get(round(n.start - 0.012, 3)) not in (None, n.pitch) for n in backing.notes
    )
    assert harmonised > len(backing.notes) // 3


def test_instruments_named_in_tags_play_and_negative_ones_do_not(
    composed: Callable[..., Composition],
) -> None:
    song = composed(tags="country with saxophone and cello", negative_tags="banjo, drums")
    programs = {t.program for t in song.score.tracks if t.notes and not t.is_drum}
    assert {65, 42} <= programs
    assert 105 not in programs
    assert not any(t.is_drum and t.group == "drums" for t in song.score.tracks)


def test_instrumental_sections_get_a_lead_line(composed: Callable[..., Composition]) -> None:
    song = composed(tags="edm", seed=3)
    lead = _track(song, "lead_synth").notes
    interlude = next(s for s in song.score.sections if s.name == "instrumental")
    assert len(_in(lead, interlude.start_s, interlude.end_s)) >= 4
