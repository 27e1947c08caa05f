"""The source's frame: from a score exactly, from media.analysis for uploads; snapping; chords."""

from __future__ import annotations

import pytest

from songsmith.engines.builtin.modes.chords import parse_chord
from songsmith.engines.builtin.modes.context import context_of, parse_key, snap_to_grid
from songsmith.engines.typing import SourceMaterial


def test_a_score_gives_the_exact_frame(source: SourceMaterial) -> None:
    assert source.score is not None
    ctx = context_of(source)
    assert (ctx.bpm, ctx.key, ctx.time_signature) == (
        source.score.bpm,
        source.score.key,
        source.score.time_signature,
    )
    assert ctx.from_score and ctx.origin_s == 0.0 and ctx.vocal_gender == "f"
    assert ctx.chords == source.score.chords and ctx.tags == "pop, female vocals"


def test_an_upload_is_read_through_its_analysis(source: SourceMaterial) -> None:
    from songsmith.media.analysis import analyze

    assert source.score is not None
    head = source.audio[: 16 * source.sample_rate]  # enough bars for tempo, key and chords
    analysis = analyze(head, source.sample_rate)
    upload = SourceMaterial("u", head, source.sample_rate, analysis=analysis)
    ctx = context_of(upload)
    assert not ctx.from_score and not ctx.estimated
    assert ctx.bpm == pytest.approx(source.score.bpm, rel=0.03)
    assert ctx.chords and all(parse_chord(c) is not None for _, _, c in ctx.chords)
    assert 0.0 <= ctx.origin_s < ctx.bar_s


def test_snapping_prefers_bar_lines_then_beats(source: SourceMaterial) -> None:
    ctx = context_of(source)
    bar, beat = ctx.bar_s, ctx.beat_s
    at, into, unit = snap_to_grid(ctx, 2 * bar + 0.4 * beat)
    assert at == pytest.approx(2 * bar) and (into, unit) == (0.0, "bar")
    at, into, unit = snap_to_grid(ctx, 2 * bar + 2.2 * beat)
    assert at == pytest.approx(2 * bar + 2 * beat) and (into, unit) == (2.0, "beat")
    assert snap_to_grid(ctx, ctx.audio_s + 5.0)[0] <= ctx.audio_s


@pytest.mark.parametrize(
    ("symbol", "root", "intervals"),
    [
        ("Am7", 9, (0, 3, 7, 10)),
        ("Bbmaj7", 10, (0, 4, 7, 11)),
        ("F#", 6, (0, 4, 7)),
        ("C/E", 0, (0, 4, 7)),
        ("Ebm", 3, (0, 3, 7)),
        ("Gsus4", 7, (0, 5, 7)),
    ],
)
def test_chord_symbols(symbol: str, root: int, intervals: tuple[int, ...]) -> None:
    chord = parse_chord(symbol)
    assert chord is not None and (chord.root, chord.intervals) == (root, intervals)


def test_keys_and_unreadable_text() -> None:
    assert parse_key("Eb major") == (3, "major")
    assert parse_key("F# minor") == (6, "minor")
    assert parse_key("nonsense") is None and parse_chord("N") is None
