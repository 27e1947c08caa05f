from __future__ import annotations

import numpy as np

from songsmith.media.packed import PackedAudio, PackedStems


def _noise(seconds: float, level: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((int(seconds * 44100), 2)) * level).astype(np.float32)


def test_packing_halves_the_memory_and_errs_by_at_most_half_a_step() -> None:
    audio = _noise(12.0, 0.2)  # longer than the conversion pieces
    packed = PackedAudio.pack(audio)
    assert packed.samples.dtype == np.int16 and packed.samples.nbytes * 2 == audio.nbytes
    peak = float(np.abs(audio).max())
    assert np.abs(packed.samples).max() == 32767  # the stem's own peak is full scale
    back = packed.unpack()
    assert back.dtype == np.float32 and back.shape == audio.shape
    # half a step, plus float32 rounding of values up to the peak
    assert float(np.abs(back - audio).max()) <= peak / 32767 * 0.5 + peak * 2**-22
    residual = 10 * np.log10(np.sum((back - audio) ** 2) / np.sum(audio**2))
    assert residual < -85


def test_silence_packs_to_zeros_and_scaling_moves_only_the_step() -> None:
    silent = PackedAudio.pack(np.zeros((1000, 2), np.float32))
    assert silent.step == 0.0 and not silent.unpack().any()
    audio = _noise(1.0, 0.5, seed=1)
    packed = PackedAudio.pack(audio)
    half = packed.scaled(0.5)
    assert half.samples is packed.samples
    np.testing.assert_allclose(half.unpack(), packed.unpack() * 0.5, rtol=1e-6)
    assert len(half) == len(audio)


def test_packed_stems_unpack_a_fresh_array_on_every_read() -> None:
    drums, bass = _noise(1.0, 0.3, seed=2), _noise(1.0, 0.1, seed=3)
    packed = {"drums": PackedAudio.pack(drums), "bass": PackedAudio.pack(bass)}
    stems = PackedStems(packed)
    assert list(stems) == ["drums", "bass"] and len(stems) == 2 and "bass" in stems
    first, second = stems["drums"], stems["drums"]
    assert first is not second and np.array_equal(first, second)
    first[:] = 0.0  # a reader may scale what it got in place: the stored stem is untouched
    assert np.array_equal(stems["drums"], second)
    total = np.sum(list(stems.values()), axis=0)
    half_steps = (packed["drums"].step + packed["bass"].step) / 2
    np.testing.assert_allclose(total, drums + bass, rtol=0, atol=half_steps * 1.01)
