from __future__ import annotations

import hashlib
import re

import numpy as np
import pytest

from songsmith.engines.builtin.render import (
    load_soundfont,
    render_stems,
    soundfont_path,
)
from songsmith.engines.score import Note, Score, Track

RATE = 44100


def _score(*tracks: Track, duration: float = 2.0) -> Score:
    return Score(
        bpm=120.0, key="C major", time_signature=(4, 4), tracks=list(tracks), duration_s=duration
    )


def _piano(pitch: int = 69, start: float = 0.25, velocity: float = 0.8) -> Track:
    return Track("piano", "keyboard", 0, notes=[Note(pitch, start, start + 0.8, velocity)])


def _band() -> list[Track]:
    return [
        _piano(),
        Track("bass", "bass", 33, notes=[Note(36, 0.0, 1.0, 0.9), Note(43, 1.0, 2.0, 0.9)]),
        Track(
            "drums",
            "drums",
            0,
            is_drum=True,
            notes=[Note(36, 0.0, 0.1, 1.0), Note(38, 0.5, 0.6, 0.9), Note(42, 0.25, 0.3, 0.6)],
        ),
        Track("strings", "strings", 48, notes=[Note(60, 0.0, 2.0, 0.6), Note(64, 0.0, 2.0, 0.6)]),
        Track("lead_vocal", "vocals", 54, notes=[Note(67, 0.0, 1.0, 0.8, "la")]),
        Track("backing_vocals", "backing_vocals", 53, notes=[Note(64, 0.0, 1.0, 0.8, "la")]),
    ]


def _peak_hz(mono: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(mono * np.hanning(len(mono))))
    return float(np.fft.rfftfreq(len(mono), 1 / RATE)[int(np.argmax(spectrum))])


def _low_share(mono: np.ndarray, below_hz: float = 250.0) -> float:
    power = np.abs(np.fft.rfft(mono)) ** 2
    freqs = np.fft.rfftfreq(len(mono), 1 / RATE)
    return float(power[freqs < below_hz].sum() / power.sum())


def test_vendored_soundfont_matches_its_recorded_hash_and_ships_its_licence() -> None:
    path = soundfont_path()
    assert path.is_file()
    assert path.read_bytes()[:4] == b"RIFF" and path.read_bytes()[8:12] == b"sfbk"
    source = (path.parent / "SOURCE.md").read_text()
    recorded = re.search(r"sha256: ([0-9a-f]{64})", source)
    assert recorded is not None
    assert hashlib.sha256(path.read_bytes()).hexdigest() == recorded.group(1)
    licence = (path.parent / "FluidR3Mono_License.md").read_text()
    assert "MIT license" in licence and "Frank Wen" in licence


def test_soundfont_is_loaded_once_per_process() -> None:
    assert load_soundfont(RATE) is load_soundfont(RATE)


def test_one_exact_length_stereo_stem_per_non_vocal_group() -> None:
    score = _score(*_band(), duration=2.345)
    stems = render_stems(score, RATE)
    assert set(stems) == {"keyboard", "bass", "drums", "strings"}
    for audio in stems.values():
        assert audio.dtype == np.float32
        assert audio.shape == (round(2.345 * RATE), 2)
        assert np.abs(audio).max() > 0.01
        assert np.abs(audio[-1]).max() == 0.0  # sounding notes are faded at the very end


def test_groups_render_in_isolation_and_deterministically() -> None:
    alone = render_stems(_score(_piano()), RATE)["keyboard"]
    with_band = render_stems(_score(*_band()), RATE)
    # The keyboard stem of the full band is bit-identical to the piano rendered alone: nothing
    # bleeds between stems, and state from earlier renders does not leak into later ones.
    np.testing.assert_array_equal(with_band["keyboard"], alone)
    again = render_stems(_score(*_band()), RATE)
    for group, audio in with_band.items():
        assert audio.tobytes() == again[group].tobytes()


def test_pitch_timing_and_velocity_are_played() -> None:
    stem = render_stems(_score(_piano(69, start=0.5)), RATE)["keyboard"]
    onset = int(np.argmax(np.abs(stem[:, 0]) > 1e-3))
    assert abs(onset / RATE - 0.5) < 0.01
    assert abs(_peak_hz(stem[int(0.6 * RATE) : int(1.1 * RATE), 0]) - 440.0) < 5.0
    soft = render_stems(_score(_piano(69, velocity=0.2)), RATE)["keyboard"]
    loud = render_stems(_score(_piano(69, velocity=1.0)), RATE)["keyboard"]
    assert np.sqrt(np.mean(loud**2)) > 2 * np.sqrt(np.mean(soft**2))


def test_drums_use_the_percussion_bank() -> None:
    def drum(pitch: int) -> np.ndarray:
        track = Track("drums", "drums", 0, is_drum=True, notes=[Note(pitch, 0.0, 0.2, 1.0)])
        return render_stems(_score(track, duration=0.5), RATE)["drums"][:, 0]

    kick, hat = drum(36), drum(42)
    assert _low_share(kick) > 0.5  # a bass drum: most of its energy under 250 Hz
    assert _low_share(hat) < 0.05  # a hi-hat: almost none
    # The same key on a melodic program is a pitched piano note, not the kit.
    piano_c2 = render_stems(_score(_piano(36, start=0.0), duration=0.5), RATE)["keyboard"][:, 0]
    assert not np.allclose(piano_c2, kick, atol=1e-3)


@pytest.mark.parametrize(
    "tracks",
    [
        [],
        [Track("lead_vocal", "vocals", 54, notes=[Note(60, 0, 1, 1)])],
        [Track("piano", "keyboard", 0)],
    ],
)
def test_nothing_to_render_gives_no_stems(tracks: list[Track]) -> None:
    assert render_stems(_score(*tracks), RATE) == {}


def test_every_track_of_a_crowded_group_plays_its_own_instrument() -> None:
    # 17 melodic tracks in one stem group: more than MIDI's 15 melodic channels. Each must
    # sound as it does alone (a shared channel would play it with another track's program).
    programs = [0, 4, 6, 8, 11, 12, 16, 19, 21, 22, 24, 25, 27, 29, 30, 40, 73]
    tracks = [
        Track(f"part{i}", "keyboard", program, notes=[Note(60 + i % 12, 0.1, 0.9, 0.7)])
        for i, program in enumerate(programs)
    ]
    together = render_stems(_score(*tracks, duration=1.5))["keyboard"]
    alone = sum(render_stems(_score(track, duration=1.5))["keyboard"] for track in tracks)
    np.testing.assert_allclose(together, alone, rtol=0, atol=1e-4)
    assert np.abs(together).max() > 0.1
