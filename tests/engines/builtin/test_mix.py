from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import firwin, upfirdn

from songsmith.engines.builtin.mix import VOCAL_OVER_BACKING_DB, mix_stems, upsample
from songsmith.engines.builtin.render import render_stems
from songsmith.engines.score import Note, Score, Track

RATE = 44100


def _tone(
    freqs: tuple[float, ...], seconds: float, level: float = 0.2, gate: np.ndarray | None = None
) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    mono = sum(level * np.sin(2 * np.pi * f * t) for f in freqs)
    if gate is not None:
        mono = mono * gate
    return np.stack([mono, mono], axis=1).astype(np.float32)


def _rms_db(audio: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(np.square(audio, dtype=np.float64)) + 1e-20))


def _band_power(mono: np.ndarray, lo: float, hi: float) -> float:
    spectrum = np.abs(np.fft.rfft(mono)) ** 2
    freqs = np.fft.rfftfreq(len(mono), 1 / RATE)
    return float(spectrum[(freqs >= lo) & (freqs < hi)].sum())


def _residual_db(stems: dict[str, np.ndarray], mix: np.ndarray) -> float:
    residual = sum(stems.values()) - mix
    return float(10 * np.log10(np.sum(residual**2) / np.sum(mix**2) + 1e-30))


def _song(seconds: float = 6.0) -> dict[str, np.ndarray]:
    t = np.arange(int(seconds * RATE)) / RATE
    sung = ((t % 3.0) < 2.0) & (t > 1.0)  # phrases of 2 s with 1 s breaths
    return {
        "drums": _tone((60.0, 3000.0), seconds, 0.3, (np.sin(2 * np.pi * 2 * t) > 0.7)),
        "bass": _tone((55.0,), seconds, 0.3),
        "keyboard": _tone((261.6, 329.6, 392.0), seconds, 0.1),
        "guitar": _tone((196.0, 246.9), seconds, 0.1),
        "vocals": _tone((440.0, 880.0), seconds, 0.05, sung),
        "backing_vocals": _tone((349.2,), seconds, 0.05, sung),
    }


def test_processed_stems_sum_to_the_mix() -> None:
    stems = _song()
    mix, processed = mix_stems(stems, RATE, genre="pop", seed=3)
    assert set(processed) == set(stems)
    assert mix.dtype == np.float32 and mix.shape == stems["drums"].shape
    for audio in processed.values():
        assert audio.dtype == np.float32 and audio.shape == mix.shape
    assert _residual_db(processed, mix) < -30
    assert np.abs(mix).max() <= 10 ** (-3 / 20) + 1e-6  # headroom for master and previews


def test_same_seed_same_bytes_other_seed_differs() -> None:
    stems = _song(3.0)
    first, _ = mix_stems(stems, RATE, genre="rock", seed=1)
    second, _ = mix_stems(stems, RATE, genre="rock", seed=1)
    other, _ = mix_stems(stems, RATE, genre="rock", seed=2)
    assert first.tobytes() == second.tobytes()
    assert first.tobytes() != other.tobytes()


def test_each_stem_carries_its_own_reverb_tail_sized_by_genre() -> None:
    seconds = 4.0
    t = np.arange(int(seconds * RATE)) / RATE
    burst = _tone((440.0, 660.0), seconds, 0.3, (t < 0.5).astype(float))
    stems = {"keyboard": burst, "bass": _tone((55.0,), seconds, 0.05, (t < 0.5).astype(float))}
    tails = {}
    for genre in ("punk", "ambient"):
        _, processed = mix_stems(stems, RATE, genre=genre, seed=0)
        keys = processed["keyboard"]
        tails[genre] = _rms_db(keys[int(0.55 * RATE) : int(0.75 * RATE)]) - _rms_db(
            keys[int(0.1 * RATE) : int(0.4 * RATE)]
        )
        # The bass is kept dry: nothing after its note ends (bar the 50 ms end fade).
        assert _rms_db(processed["bass"][int(0.6 * RATE) :]) < -100
    assert tails["punk"] > -50  # a room: audible just after the note
    assert tails["ambient"] > tails["punk"] + 6  # a cathedral rings much longer


def test_eq_high_pass_clears_low_end_of_non_bass_stems() -> None:
    stems = {
        "keyboard": _tone((50.0, 1000.0), 2.0, 0.2),
        "bass": _tone((50.0, 1000.0), 2.0, 0.2),
    }
    _, processed = mix_stems(stems, RATE, genre="rock", seed=0)

    def low_over_mid_db(audio: np.ndarray) -> float:
        mono = audio[: 2 * RATE, 0]
        return 10 * np.log10(_band_power(mono, 40, 60) / _band_power(mono, 900, 1100))

    assert low_over_mid_db(processed["keyboard"]) < low_over_mid_db(processed["bass"]) - 8


def test_pan_places_stems() -> None:
    stems = {"guitar": _tone((300.0,), 2.0), "keyboard": _tone((300.0,), 2.0)}
    _, processed = mix_stems(stems, RATE, genre="pop", seed=0)
    guitar, keys = processed["guitar"], processed["keyboard"]
    assert _rms_db(guitar[:, 1]) > _rms_db(guitar[:, 0]) + 2  # guitar right
    assert _rms_db(keys[:, 0]) > _rms_db(keys[:, 1]) + 2  # keys left


def test_vocal_sits_over_the_backing_and_is_silent_between_phrases() -> None:
    seconds = 12.0
    t = np.arange(int(seconds * RATE)) / RATE
    sung = (t > 1.0) & (t < 5.0) | (t > 8.0) & (t < 11.0)
    stems = _song(seconds)
    # A quiet verse and a loud chorus: the ride keeps the vocal in range in both.
    stems["drums"] *= np.where(t < 6.0, 0.2, 1.0).astype(np.float32)[:, None]
    stems["vocals"] = _tone((440.0, 880.0), seconds, 0.02, sung)
    mix, processed = mix_stems(stems, RATE, genre="pop", seed=5)
    backing = sum(a for g, a in processed.items() if g not in ("vocals", "backing_vocals"))
    for start, end in ((2.0, 4.5), (8.5, 10.5)):
        part = slice(int(start * RATE), int(end * RATE))
        difference = _rms_db(processed["vocals"][part]) - _rms_db(backing[part])
        assert -2.0 <= difference <= 6.0
        assert abs(difference - VOCAL_OVER_BACKING_DB) < 2.0
    # Between the phrases (after the short reverb tail) the vocal stem is silent.
    gap = slice(int(6.3 * RATE), int(7.8 * RATE))
    assert _rms_db(processed["vocals"][gap]) < -60
    assert _residual_db(processed, mix) < -30


def test_vocal_silence_spans_mute_the_vocal_stems() -> None:
    stems = _song(6.0)
    _, processed = mix_stems(stems, RATE, genre="pop", seed=0, vocal_silence=[(3.0, 6.0)])
    for group in ("vocals", "backing_vocals"):
        assert np.abs(processed[group][int(3.0 * RATE) :]).max() == 0.0
        assert np.abs(processed[group][: int(2.5 * RATE)]).max() > 0.0


def test_edge_cases() -> None:
    assert mix_stems({}, RATE, genre="pop", seed=0)[0].shape == (0, 2)
    silent = np.zeros((RATE, 2), np.float32)
    mix, processed = mix_stems(
        {"drums": silent, "synth": _tone((200.0,), 1.0)}, RATE, genre="unknown-genre", seed=0
    )
    assert np.abs(processed["drums"]).max() == 0.0
    assert np.abs(mix).max() > 0.0
    # Stems of different lengths are padded to the longest; mono arrays are accepted.
    mix, processed = mix_stems(
        {"synth": _tone((200.0,), 1.0), "fx": np.zeros(RATE // 2)}, RATE, genre="pop", seed=0
    )
    assert processed["fx"].shape == mix.shape == (RATE, 2)


@pytest.mark.parametrize("length", [1, 7, 1000, 1003])
def test_upsample_matches_scipy_upfirdn(length: int) -> None:
    taps = firwin(32, 4500, fs=RATE).astype(np.float32) * 4
    signal = np.random.default_rng(length).standard_normal(length).astype(np.float32)
    np.testing.assert_allclose(upsample(signal, taps), upfirdn(taps, signal, up=4), atol=1e-5)


def test_rendered_score_mixes_end_to_end() -> None:
    beat = 0.5
    score = Score(
        bpm=120.0,
        key="A minor",
        time_signature=(4, 4),
        duration_s=4.0,
        tracks=[
            Track(
                "drums",
                "drums",
                0,
                is_drum=True,
                notes=[
                    Note(36 if i % 2 == 0 else 38, i * beat, i * beat + 0.1, 0.9) for i in range(8)
                ],
            ),
            Track("bass", "bass", 33, notes=[Note(45, 0.0, 2.0, 0.9), Note(41, 2.0, 4.0, 0.9)]),
            Track("piano", "keyboard", 0, notes=[Note(p, 0.0, 4.0, 0.6) for p in (57, 60, 64)]),
        ],
    )
    stems = render_stems(score, RATE)
    mix, processed = mix_stems(stems, RATE, genre="pop", seed=11)
    assert set(processed) == {"drums", "bass", "keyboard"}
    assert len(mix) == 4 * RATE
    assert _residual_db(processed, mix) < -30
    assert _rms_db(mix) > -40


def test_consuming_the_stems_gives_the_same_mix_and_empties_the_dict() -> None:
    kept = _song(4.0)
    handed_over = {name: audio.copy() for name, audio in kept.items()}
    mix, processed = mix_stems(kept, RATE, genre="rock", seed=5)
    consumed_mix, consumed = mix_stems(handed_over, RATE, genre="rock", seed=5, consume=True)
    assert handed_over == {}  # every raw stem was released to the mixer
    assert len(kept) == 6  # without consume the caller's dict is left alone
    assert consumed_mix.tobytes() == mix.tobytes()
    assert {n: a.tobytes() for n, a in consumed.items()} == {
        n: a.tobytes() for n, a in processed.items()
    }


def test_packed_stems_are_the_float_stems_to_16_bits_and_the_mix_is_the_same() -> None:
    from songsmith.media.packed import PackedStems

    plain_mix, plain = mix_stems(_song(), RATE, genre="rock", seed=5, vocal_silence=[(0.0, 1.0)])
    packed_mix, packed = mix_stems(
        _song(), RATE, genre="rock", seed=5, vocal_silence=[(0.0, 1.0)], consume=True, pack=True
    )
    assert isinstance(packed, PackedStems)
    assert np.array_equal(packed_mix, plain_mix)  # the mix is summed before anything is packed
    assert list(packed) == sorted(plain)
    for group, audio in plain.items():
        step = packed.packed(group).step
        error = float(np.abs(packed[group] - audio).max())
        assert error <= step * 0.5 + float(np.abs(audio).max()) * 2**-21, group
    assert _residual_db(packed, packed_mix) < -80  # 16-bit stems, far inside the -30 dB bar
