from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from songsmith.domain.statuses import Mode
from songsmith.engines.builtin.compose import Composition, metadata
from songsmith.engines.builtin.genres import FAMILIES
from songsmith.phonetics import syllabify_line


def edit_distance(a: list[int], b: list[int]) -> int:
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (x != y))
    return row[-1]


def melody_pitches(song: Composition) -> list[int]:
    assert song.melody is not None
    return [n.pitch for n in song.melody.notes]


def test_same_seed_gives_the_same_score(composed: Callable[..., Composition]) -> None:
    a = composed(tags="latin, energetic", seed=1234)
    b = composed(tags="latin, energetic", seed=1234)
    assert a.score.to_dict() == b.score.to_dict()
    assert metadata(a) == metadata(b)


@pytest.mark.parametrize("tags", ["pop", "rock, 100 bpm, in A minor", "jazz", "trap"])
@pytest.mark.parametrize("seed", [0, 41])
def test_two_clips_of_a_submit_differ(
    composed: Callable[..., Composition], tags: str, seed: int
) -> None:
    a, b = composed(tags=tags, seed=seed), composed(tags=tags, seed=seed + 1)
    pa, pb = melody_pitches(a), melody_pitches(b)
    assert edit_distance(pa, pb) >= 0.3 * max(len(pa), len(pb))
    assert [w.word for w in a.score.words] == [w.word for w in b.score.words]  # same lyrics


def test_families_are_distinct_in_the_score(composed: Callable[..., Composition]) -> None:
    songs = {
        f.name: composed(tags=f.name, seed=7, lyrics="[Verse]\nhello there\n") for f in FAMILIES
    }
    signatures = {
        name: frozenset(t.program for t in s.score.tracks if not t.is_drum and t.notes)
        for name, s in songs.items()
    }
    for a, b in itertools.combinations(songs, 2):
        assert signatures[a] != signatures[b], (a, b)
    for family in FAMILIES:
        lo, hi = family.tempo
        assert lo <= songs[family.name].score.bpm <= hi


def test_metadata_describes_the_song(composed: Callable[..., Composition]) -> None:
    song = composed(tags="funk, male vocals, 104 bpm", seed=3)
    meta = metadata(song)
    assert meta["engine"] == "builtin" and meta["seed"] == 3
    assert meta["bpm"] == 104 and meta["time_signature"] == "4/4"
    assert meta["key"] == song.score.key
    assert meta["vocal_gender"] == "m" and meta["has_vocal"] is True
    assert [s["name"] for s in meta["sections"]] == [s.name for s in song.score.sections]
    assert meta["sections"][0]["start_s"] == 0.0
    assert "notes" not in meta


def test_instrumental_job_has_no_voice_but_a_tune(composed: Callable[..., Composition]) -> None:
    for job in ({"mode": Mode.INSTRUMENTAL, "instrumental": True}, {"lyrics": ""}):
        song = composed(tags="cinematic", **job)
        assert not song.has_vocal
        assert not any(t.group in ("vocals", "backing_vocals") for t in song.score.tracks)
        assert song.score.words == []
        lead = next(t for t in song.score.tracks if t.name == "violin")
        assert len(lead.notes) > 40
        meta = metadata(song)
        assert meta["has_vocal"] is False and meta["vocal_gender"] is None


def test_capped_lyrics_are_noted(composed: Callable[..., Composition]) -> None:
    lyrics = "\n\n".join(
        f"[Verse {i}]\nthe long road home goes on and on\nand on" for i in range(60)
    )
    song = composed(lyrics=lyrics, max_duration_s=45.0)
    assert song.score.duration_s <= 45.0
    assert "capped" in metadata(song)["notes"][0]


def test_other_languages_are_sung_not_refused(composed: Callable[..., Composition]) -> None:
    lyrics = "[Verso]\nCaminando por la calle bajo la luna\nTu corazón y el mío cantan juntos\n"
    song = composed(lyrics=lyrics, tags="latin")
    assert song.has_vocal and song.language != "en"
    expected = [
        s.phonemes
        for line in lyrics.splitlines()[1:]
        for w in syllabify_line(line, song.language)
        for s in w.syllables
    ]
    assert [n.syllable for n in song.notes_of("lead_vocal") if n.syllable] == expected


def test_persona_style_and_voice_fill_in(composed: Callable[..., Composition]) -> None:
    song = composed(
        tags="", persona={"style": "reggae", "vocal_gender": "m"}, mode=Mode.ARTIST_CONSISTENCY
    )
    assert song.plan.genre == "reggae" and song.plan.vocal_gender == "m"


# hypothesis scans loaded modules for constants; touching librosa's lazily loaded resampy
# imports it, and resampy's pkg_resources import warns (not songsmith's code)
@pytest.mark.filterwarnings("ignore:pkg_resources is deprecated:UserWarning")
@settings(max_examples=25, deadline=None)
@given(
    lyrics=st.text(alphabet=st.characters(codec="utf-8"), max_size=160),
    tags=st.text(max_size=40),
    seed=st.integers(0, 2**32),
)
def test_never_raises_on_odd_lyrics(lyrics: str, tags: str, seed: int) -> None:
    from songsmith.engines.builtin.compose import compose

    from .conftest import make_job

    song = compose(make_job(lyrics=lyrics, tags=tags, seed=seed, max_duration_s=120.0))
    assert 0 < song.score.duration_s <= 120.0
    if song.melody is not None:
        assert all(a.end <= b.start + 1e-9 for a, b in itertools.pairwise(song.melody.notes))


def test_lines_the_g2p_chokes_on_are_cleaned_not_fatal(
    composed: Callable[..., Composition],
) -> None:
    song = composed(lyrics="[Verse]\n\u00b9 love \u00b2\n")  # superscript digits raised in the G2P
    assert song.has_vocal
    assert len(song.notes_of("lead_vocal")) >= 3
