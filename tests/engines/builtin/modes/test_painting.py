"""Add instrumental / add vocals: the kept part is the source's, the new part fits it."""

from __future__ import annotations

import numpy as np
import pytest

from songsmith.domain.statuses import Mode
from songsmith.engines.builtin.engine import SAMPLE_RATE
from songsmith.engines.builtin.modes import overpainting_song, underpainting_song
from songsmith.engines.typing import Song, SourceMaterial

from .conftest import db, edit_job, span

WINDOW = (5.0, 21.0)
VOCALS = ("vocals", "backing_vocals")


@pytest.fixture(scope="module")
def under(source: SourceMaterial) -> Song:
    return underpainting_song(edit_job(Mode.UNDERPAINTING, source, tags="rock", window=WINDOW))


@pytest.fixture(scope="module")
def over(source: SourceMaterial) -> Song:
    lyrics = "[Verse]\nDancing in the moonlight\nNever let the night end"
    return overpainting_song(edit_job(Mode.OVERPAINTING, source, lyrics=lyrics, window=WINDOW))


def _window(audio: np.ndarray) -> np.ndarray:
    return span(audio, *WINDOW)


def test_underpainting_keeps_the_source_voice_under_new_instruments(
    source: SourceMaterial, under: Song
) -> None:
    assert under.score is not None and source.score is not None
    length = round((WINDOW[1] - WINDOW[0]) * SAMPLE_RATE)
    assert len(under.mix) == length and all(len(a) == length for a in under.stems.values())
    # the vocal stem is the source's own, scaled: correlation 1
    kept = _window(source.stems["vocals"])
    corr = np.corrcoef(kept[:, 0], under.stems["vocals"][:, 0])[0, 1]
    assert corr > 0.999
    assert under.metadata["genre"] == "rock" and under.metadata["has_vocal"] is True
    assert under.score.key == source.score.key and under.score.bpm == source.score.bpm
    assert not any(t.group in VOCALS and t.notes for t in under.score.tracks)  # no new singer
    kept_words = [w.word for w in source.score.words if WINDOW[0] <= w.start_s < WINDOW[1]]
    assert kept_words and [w.word for w in under.words] == kept_words  # timings of the kept voice
    assert all(0.0 <= w.start_s < w.end_s <= WINDOW[1] - WINDOW[0] for w in under.words)
    backing = np.sum([a for g, a in under.stems.items() if g not in VOCALS], axis=0)
    sung = [n for t in source.score.tracks if t.name == "lead_vocal" for n in t.notes]
    a, b = max(sung[0].start, WINDOW[0]) - WINDOW[0], min(sung[-1].end, WINDOW[1]) - WINDOW[0]
    balance = db(span(under.stems["vocals"], a, b)) - db(span(backing, a, b))
    assert -2.0 <= balance <= 6.0
    assert np.allclose(under.mix, np.sum(list(under.stems.values()), axis=0), atol=1e-5)


def test_overpainting_sings_over_the_source_instruments_only(
    source: SourceMaterial, over: Song
) -> None:
    assert over.score is not None and source.score is not None
    # the instrument stems are the source's own, untouched, and its old vocals are gone
    for group, audio in source.stems.items():
        if group in VOCALS:
            continue
        assert np.array_equal(over.stems[group], _window(audio))
    new_voice = over.stems["vocals"]
    old_voice = _window(source.stems["vocals"])
    assert abs(np.corrcoef(new_voice[:, 0], old_voice[:, 0])[0, 1]) < 0.3
    words = " ".join(w.word for w in over.words)
    assert "Dancing" in words and "Sunlight" not in words
    lead = [n for t in over.score.tracks if t.name == "lead_vocal" for n in t.notes]
    assert db(span(new_voice, lead[0].start, lead[-1].end)) > -35
    backing = np.sum([a for g, a in over.stems.items() if g not in VOCALS], axis=0)
    balance = db(span(new_voice, lead[0].start, lead[-1].end)) - db(
        span(backing, lead[0].start, lead[-1].end)
    )
    assert -2.0 <= balance <= 6.0
    # sung on the source's chords
    chords = {
        (round(a - WINDOW[0], 2), c) for a, _, c in source.score.chords if WINDOW[0] < a < WINDOW[1]
    }
    assert chords <= {(round(a, 2), c) for a, _, c in over.score.chords}


def test_an_upload_is_taken_whole_as_the_kept_part(source: SourceMaterial) -> None:
    upload = SourceMaterial("up-2", source.audio, source.sample_rate, metadata={"type": "upload"})
    song = overpainting_song(
        edit_job(Mode.OVERPAINTING, upload, lyrics="Hello again", window=(2.0, 10.0))
    )
    assert song.metadata["instrumental_from"] == "mix"
    assert np.array_equal(song.stems["instrumental"], span(source.audio, 2.0, 10.0))
    assert len(song.mix) == 8 * SAMPLE_RATE
