from __future__ import annotations

import numpy as np
import pytest

from songsmith.engines.builtin.form import build_form, infer_sections, parse_sections
from songsmith.engines.builtin.plan import plan_song
from songsmith.phonetics import count_syllables

from .conftest import SONG_LYRICS, UNMARKED_LYRICS


def _form(lyrics: str, tags: str = "pop", max_s: float = 240.0, instrumental: bool = False):  # type: ignore[no-untyped-def]
    plan = plan_song(tags, seed=3)
    form = build_form(
        lyrics,
        plan,
        max_duration_s=max_s,
        instrumental=instrumental,
        rng=np.random.default_rng(3),
        count_syllables=count_syllables,
    )
    return plan, form


def test_markers_in_any_case_with_or_without_numbers() -> None:
    lyrics = "\n".join(
        [
            "[INTRO]",
            "[verse 1]",
            "one line here",
            "(Pre-Chorus)",
            "rising up",
            "Chorus:",
            "sing it loud",
            "[Bridge 2]",
            "over there",
            "[Hook]",
            "hey hey",
            "[Drop]",
            "[Break]",
            "[Instrumental]",
            "[Verse]",
            "back again",
            "[Fade out]",
            "[Outro]",
            "goodbye now",
        ]
    )
    kinds = [k for k, _, _ in parse_sections(lyrics)]
    assert kinds == [
        "intro",
        "verse",
        "pre-chorus",
        "chorus",
        "bridge",
        "hook",
        "drop",
        "break",
        "instrumental",
        "verse",
        "outro",
    ]
    labels = [label for _, label, _ in parse_sections(lyrics)]
    assert labels[1] == "[verse 1]" and labels[3] == "[Chorus]"


def test_structure_follows_markers_with_intro_and_outro() -> None:
    plan, form = _form(SONG_LYRICS)
    kinds = [s.kind for s in form.sections]
    assert kinds == [
        "intro",
        "verse",
        "pre-chorus",
        "chorus",
        "verse",
        "chorus",
        "bridge",
        "chorus",
        "outro",
    ]
    assert form.sections[0].bars == plan.family.intro_bars
    assert form.sections[-1].lines == ["Running out of time"]  # a sung outro stays sung
    starts = [s.start_bar for s in form.sections]
    assert starts == sorted(starts) and starts[0] == 0
    assert all(s.bars == sum(s.line_bars) for s in form.sections if s.sung)
    assert [s.occurrence for s in form.sections if s.kind == "chorus"] == [0, 1, 2]


def test_genre_adds_interludes() -> None:
    _, form = _form(SONG_LYRICS, tags="edm")
    kinds = [s.kind for s in form.sections]
    assert "instrumental" in kinds
    assert kinds[kinds.index("instrumental") - 1] == "chorus"


def test_unmarked_lyrics_infer_verse_and_chorus() -> None:
    kinds = [k for k, _, _ in infer_sections(UNMARKED_LYRICS)]
    assert kinds == ["verse", "chorus", "verse", "chorus"]
    chorus = ["hold me close", "never let go", "hold me close", "all night long"]
    one_block = "\n".join(
        [
            "first we met",
            "under the bridge",
            "rain in our hair",
            "nothing to share",
            *chorus,
            "then came the fall",
            "leaves on the ground",
            "you said my name",
            "without a sound",
            *chorus,
        ]
    )
    assert [k for k, _, _ in infer_sections(one_block)] == ["verse", "chorus", "verse", "chorus"]


def test_long_lyrics_are_capped_with_a_note() -> None:
    long = "\n\n".join(
        f"[Verse {i}]\n" + "\n".join(["walking down the line tonight"] * 4) for i in range(1, 40)
    )
    plan, form = _form(long, max_s=60.0)
    assert form.duration_s(plan) <= 60.0
    assert form.notes and "capped" in form.notes[0]
    assert form.sections[-1].kind == "outro"
    assert any(s.sung for s in form.sections)


@pytest.mark.parametrize("lyrics", ["La", "oh", "[Verse]\nyes"])
def test_very_short_lyrics_still_make_a_song(lyrics: str) -> None:
    plan, form = _form(lyrics)
    assert sum(len(s.lines) for s in form.sections) == 1
    assert 4.0 < form.duration_s(plan) < 60.0


def test_instrumental_gets_a_form() -> None:
    plan, form = _form("", instrumental=True)
    kinds = [s.kind for s in form.sections]
    assert kinds[0] == "intro" and kinds[-1] == "outro"
    assert "chorus" in kinds and "verse" in kinds
    assert not any(s.sung for s in form.sections)
    assert 60.0 < form.duration_s(plan) <= 240.0
    _, capped = _form("", instrumental=True, max_s=30.0)
    assert capped.duration_s(plan) <= 30.0 + 1e-6


def test_marker_only_lyrics_become_instrumental() -> None:
    _, form = _form("[Intro]\n[Instrumental]\n[Outro]")
    assert not any(s.sung for s in form.sections)
