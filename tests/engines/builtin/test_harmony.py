from __future__ import annotations

from collections.abc import Callable

import pytest

from songsmith.engines.builtin.compose import Composition
from songsmith.engines.builtin.harmony import VOICING_RANGE, parse_numeral


@pytest.mark.parametrize(
    ("numeral", "tonic", "symbol", "pcs"),
    [
        ("I", 0, "C", (0, 4, 7)),
        ("vi", 0, "Am", (9, 0, 4)),
        ("bVII", 0, "Bb", (10, 2, 5)),
        ("ii7", 0, "Dm7", (2, 5, 9, 0)),
        ("V7", 7, "D7", (2, 6, 9, 0)),
        ("Imaj7", 5, "Fmaj7", (5, 9, 0, 4)),
        ("iiø", 9, "Bm7b5", (11, 2, 5, 9)),
        ("nonsense", 2, "D", (2, 6, 9)),
    ],
)
def test_parse_numeral(numeral: str, tonic: int, symbol: str, pcs: tuple[int, ...]) -> None:
    chord = parse_numeral(numeral, tonic)
    assert chord.symbol == symbol
    assert chord.pitch_classes == pcs


def test_voice_leading_keeps_voicings_close(composed: Callable[..., Composition]) -> None:
    harmony = composed(tags="pop").harmony
    lo, hi = VOICING_RANGE
    moves = []
    for prev, event in zip(harmony.events, harmony.events[1:], strict=False):
        assert lo <= min(event.voicing) and max(event.voicing) <= hi
        assert set(p % 12 for p in event.voicing) <= set(event.chord.pitch_classes)
        moves.append(sum(min(abs(a - b) for b in event.voicing) for a in prev.voicing))
    # common tones stay and the rest move by step: on average well under a third per voice
    assert sum(moves) / len(moves) <= 6


def test_chorus_lifts_bridge_contrasts_and_song_cadences(
    composed: Callable[..., Composition],
) -> None:
    song = composed(tags="pop, happy")
    harmony, form = song.harmony, song.form
    first: dict[str, str] = {}
    for event in harmony.events:
        kind = form.sections[event.section_index].kind
        first.setdefault(kind, event.chord.symbol)
    assert first["chorus"] != first["verse"]
    assert first["bridge"] != first["verse"]
    tonic_symbol = parse_numeral("I", song.plan.tonic, song.plan.key).symbol
    assert harmony.events[-1].chord.symbol == tonic_symbol
    last_sung = max(i for i, s in enumerate(form.sections) if s.sung)
    sung_events = [e for e in harmony.events if e.section_index == last_sung]
    assert sung_events[-1].chord.symbol == tonic_symbol
    dominant = parse_numeral("V", song.plan.tonic, song.plan.key).symbol
    assert sung_events[-2].chord.symbol == dominant


def test_blues_plays_twelve_bars_of_dominant_sevenths(
    composed: Callable[..., Composition],
) -> None:
    song = composed(
        tags="blues, happy",
        lyrics="[Verse]\nwoke up this morning\ngot the blues\n"
        "woke up this morning\n\n[Verse]\nmy baby left\nleft me alone\nwith the blues",
    )
    verse = song.form.sections[1]
    assert verse.bars == 12
    symbols = [
        song.harmony.at(b * 4.0).chord.symbol for b in range(verse.start_bar, verse.start_bar + 12)
    ]
    assert all(s.endswith("7") for s in symbols)
    assert symbols[0] == symbols[2] == symbols[3] and symbols[1] == symbols[4] == symbols[5]


def test_jazz_uses_sevenths(composed: Callable[..., Composition]) -> None:
    harmony = composed(tags="jazz").harmony
    assert sum(len(e.chord.intervals) >= 4 for e in harmony.events) >= len(harmony.events) // 2
