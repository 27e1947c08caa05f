"""Concat: extend chains and infill splices join without a click, a gap or a tempo jump."""

from __future__ import annotations

import numpy as np
import pytest

from songsmith.domain.statuses import Mode
from songsmith.engines.builtin.engine import BuiltinEngine
from songsmith.engines.builtin.modes import extend_song
from songsmith.engines.typing import GenerationJob, SourceMaterial
from songsmith.services.concat import (
    CROSSFADE_S,
    ChainPiece,
    chain_from_history,
    concat_chain,
    concat_history,
    join_at,
    splice_infill,
)

RATE = 44100


def _stereo(mono: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.stack([mono, mono], axis=1), dtype=np.float32)


def _tone(freq: float, seconds: float, phase: float = 0.0) -> np.ndarray:
    t = np.arange(round(seconds * RATE)) / RATE
    return _stereo(0.5 * np.sin(2 * np.pi * freq * t + phase))


def _click_ratio(audio: np.ndarray, at: int) -> float:
    """Largest waveform curvature within 3 ms of `at`, over the largest in the second around it
    (a step or kink at the join shows as a spike in the second difference)."""
    curve = np.abs(np.diff(audio[:, 0].astype(np.float64), n=2))
    near = curve[at - 130 : at + 130].max()
    around = np.concatenate([curve[at - RATE // 2 : at - 200], curve[at + 200 : at + RATE // 2]])
    return float(near / around.max())


def _clicks(beats: int, bpm: float, seconds: float) -> np.ndarray:
    """A click track: a short decaying 2 kHz burst on each beat."""
    out = np.zeros(round(seconds * RATE))
    burst = np.sin(2 * np.pi * 2000 * np.arange(880) / RATE) * np.exp(-np.arange(880) / 150)
    for k in range(beats):
        at = round(k * 60.0 / bpm * RATE)
        out[at : at + len(burst)] += burst[: len(out) - at]
    return _stereo(0.5 * out)


def test_a_crossfaded_join_has_no_click_where_a_hard_cut_has_one() -> None:
    head, tail = _tone(440.0, 2.0), _tone(330.0, 1.0, phase=1.3)
    at = RATE
    hard = np.concatenate([head[:at], tail])
    assert _click_ratio(hard, at) > 10  # the measure sees a real click
    joined = join_at(head, tail, at, round(CROSSFADE_S * RATE))
    assert len(joined) == at + len(tail)
    assert _click_ratio(joined, at) < 2
    assert np.array_equal(joined[:at], head[:at])
    assert np.array_equal(
        joined[at + round(CROSSFADE_S * RATE) :], tail[round(CROSSFADE_S * RATE) :]
    )


def test_equal_power_keeps_the_level_through_the_join() -> None:
    rng = np.random.default_rng(0)
    head = _stereo(rng.normal(0, 0.1, 2 * RATE))
    tail = _stereo(rng.normal(0, 0.1, RATE))
    joined = join_at(head, tail, RATE, round(0.2 * RATE))  # long fade: measurable level
    blocks = joined[RATE : RATE + round(0.2 * RATE)].reshape(-1, 441, 2)
    level = 20 * np.log10(np.sqrt(np.mean(np.square(blocks), axis=(1, 2))) / 0.1)
    assert np.all(np.abs(level) < 1.5)  # no dip (gap) and no bump


def test_a_chain_keeps_one_beat_grid_across_the_join() -> None:
    import librosa

    bpm = 120.0
    source = _clicks(16, bpm, 8.0)
    continuation = _clicks(8, bpm, 4.0)
    song = concat_chain([ChainPiece("a", source, 4.0), ChainPiece("b", continuation, None)], RATE)
    assert len(song) == 8 * RATE
    onsets = librosa.onset.onset_detect(y=song[:, 0], sr=RATE, units="time", backtrack=False)
    # librosa reports no onset at 0 s; every later click is found, none doubled at the join
    assert len(onsets) == 15 and onsets[0] == pytest.approx(0.5, abs=0.015)
    gaps = np.diff(onsets)
    assert np.max(np.abs(gaps - 0.5)) < 0.015


def test_a_real_extension_joins_without_click_or_gap() -> None:
    lyrics = "[Verse]\nSunlight on the water\nI can hear you calling\n"
    source_song = BuiltinEngine().generate(
        GenerationJob(Mode.CUSTOM, seed=5, max_duration_s=30.0, lyrics=lyrics, tags="pop"),
        lambda _d, _t: None,
    )
    source = SourceMaterial(
        "a",
        source_song.mix,
        RATE,
        source_song.score,
        source_song.stems,
        dict(source_song.metadata, tags="pop"),
    )
    extension = extend_song(
        GenerationJob(
            Mode.EXTEND,
            seed=8,
            max_duration_s=30.0,
            lyrics="Home again",
            source=source,
            continue_at=9.5,
        )
    )
    join = extension.metadata["continue_at"]
    pieces = [ChainPiece("a", source.audio, join), ChainPiece("b", extension.mix, None)]
    song = concat_chain(pieces, RATE)
    at = round(join * RATE)
    assert len(song) == at + len(extension.mix)
    assert _click_ratio(song, at) < 1.5
    blocks = song[at - RATE // 2 : at + RATE // 2].reshape(-1, 2205, 2)  # 50 ms blocks
    level = 10 * np.log10(np.mean(np.square(blocks, dtype=np.float64), axis=(1, 2)) + 1e-20)
    assert level.min() > np.median(level) - 20  # no drop-out at the join


def test_an_infill_splice_replaces_exactly_the_window() -> None:
    source, infill = _tone(440.0, 4.0), _tone(330.0, 1.5, phase=0.7)
    out = splice_infill(source, infill, 1.0, 2.5, RATE)
    fade = round(CROSSFADE_S * RATE)
    assert len(out) == len(source)
    assert np.array_equal(out[:RATE], source[:RATE])
    assert np.array_equal(out[round(2.5 * RATE) :], source[round(2.5 * RATE) :])
    inner = slice(RATE + fade, round(2.5 * RATE) - fade)
    assert np.allclose(out[inner], infill[fade : len(infill) - fade], atol=1e-6)
    assert _click_ratio(out, RATE) < 2 and _click_ratio(out, round(2.5 * RATE)) < 2


def test_history_round_trip() -> None:
    history = [{"id": "a", "continue_at": 30.5, "type": "upload", "source": "api", "infill": False}]
    chain = chain_from_history(history, "b")
    assert chain == [("a", 30.5, "upload"), ("b", None, "gen")]
    pieces = [ChainPiece(i, np.zeros((1, 2), np.float32), at, kind) for i, at, kind in chain]
    assert concat_history(pieces) == [
        {"id": "a", "continue_at": 30.5, "type": "upload", "source": "api", "infill": False},
        {"id": "b", "continue_at": None, "type": "gen", "source": "api", "infill": False},
    ]
    with pytest.raises(ValueError):
        concat_chain([], RATE)
