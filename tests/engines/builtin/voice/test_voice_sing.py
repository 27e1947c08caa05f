from __future__ import annotations

import hashlib
from collections.abc import Callable

import numpy as np
import pytest

from songsmith.engines.builtin.voice import sing, sing_mono, sing_phrases
from songsmith.engines.builtin.voice.sing import TAIL_S
from songsmith.engines.score import Note
from songsmith.phonetics import count_syllables, syllabify_line

MelodyMaker = Callable[..., list[Note]]
SR = 44100
LINES = ["Walking down the empty street tonight", "Every heartbeat whispers out your name"]


def rms_db(x: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(np.square(x, dtype=np.float64))) + 1e-12))


def test_one_note_per_sung_syllable(make_melody: MelodyMaker) -> None:
    notes = make_melody(LINES, base_pitch=62, melisma_at_line_end=False)
    assert len(notes) == sum(count_syllables(line) for line in LINES)


def test_output_is_stereo_float32_placed_at_the_notes(make_melody: MelodyMaker) -> None:
    notes = make_melody(LINES, base_pitch=62)
    audio = sing(notes, gender="female", sample_rate=SR)
    assert audio.dtype == np.float32 and audio.ndim == 2 and audio.shape[1] == 2
    assert len(audio) == int(np.ceil((notes[-1].end + TAIL_S) * SR))
    assert np.array_equal(audio[:, 0], audio[:, 1])
    assert np.max(np.abs(audio)) <= 0.9 + 1e-6
    # Silent before the first onset (which starts at most 90 ms before the first beat).
    assert np.max(np.abs(audio[: int((notes[0].start - 0.1) * SR)])) == 0.0


def test_every_note_is_sung_on_time(make_melody: MelodyMaker) -> None:
    """The middle of every note carries voice, and the rest between lines is (near) silent."""
    notes = make_melody(LINES, base_pitch=62)
    audio = sing(notes, gender="female", sample_rate=SR)[:, 0]
    loud = rms_db(audio)
    for note in notes:
        a, b = note.start + 0.3 * (note.end - note.start), note.end - 0.3 * (note.end - note.start)
        assert rms_db(audio[int(a * SR) : int(b * SR)]) > loud - 20, note
    first_line_end = max(n.end for n in notes if n.start < 5.0 and n.syllable is None)
    gap = audio[int((first_line_end + 0.2) * SR) : int((first_line_end + 0.45) * SR)]
    assert rms_db(gap) < loud - 40


def test_same_notes_and_seed_give_identical_bytes(make_melody: MelodyMaker) -> None:
    notes = make_melody(LINES[:1], base_pitch=62)
    digests = {
        hashlib.sha256(sing(notes, gender="m", seed=7).tobytes()).hexdigest() for _ in range(2)
    }
    assert len(digests) == 1
    assert hashlib.sha256(sing(notes, gender="m", seed=8).tobytes()).hexdigest() not in digests


def test_a_melisma_holds_the_syllable_across_its_notes() -> None:
    (word,) = syllabify_line("Love")
    notes = [
        Note(67, 0.5, 1.0, 0.8, word.syllables[0].phonemes),
        Note(69, 1.0, 1.4, 0.8, None),
        Note(71, 1.4, 2.0, 0.8, None),
    ]
    audio = sing(notes, gender="f", sample_rate=SR)[:, 0]
    for note in notes:
        middle = audio[int((note.start + 0.1) * SR) : int((note.end - 0.1) * SR)]
        assert rms_db(middle) > rms_db(audio) - 10


def test_a_spanish_line_is_sung_not_refused(make_melody: MelodyMaker) -> None:
    notes = make_melody(["Bailando bajo la luna, mi corazón"], base_pitch=62, language="es")
    assert len(notes) == count_syllables("Bailando bajo la luna, mi corazón", "es") + 1
    audio = sing(notes, gender="f", language="es")[:, 0]
    for note in notes:
        middle = audio[int((note.start + 0.1) * SR) : int((note.end - 0.1) * SR)]
        assert rms_db(middle) > rms_db(audio) - 20, note


def test_no_notes_is_a_short_silence() -> None:
    audio = sing([], gender="f")
    assert audio.shape == (int(np.ceil(TAIL_S * 44100)), 2) and not audio.any()


@pytest.mark.parametrize("rate", [24000, 48000])
def test_other_sample_rates(rate: int) -> None:
    notes = [Note(64, 0.2, 0.8, 0.8, "lˈʌv")]
    audio = sing(notes, gender="f", sample_rate=rate)
    assert len(audio) == int(np.ceil((0.8 + TAIL_S) * rate))
    assert rms_db(audio[int(0.3 * rate) : int(0.7 * rate), 0]) > -40


def test_streamed_phrases_add_up_to_the_track(make_melody: MelodyMaker) -> None:
    notes = make_melody(LINES, base_pitch=50)
    track = sing_mono(notes, gender="male", seed=3)
    phrases = list(sing_phrases(notes, gender="male", seed=3))
    assert len(phrases) == len(LINES)  # one phrase per line: the rests split them
    assert [p.start_s for p in phrases] == sorted(p.start_s for p in phrases)
    rebuilt = np.zeros_like(track)
    for phrase in phrases:
        assert np.all(np.isfinite(phrase.samples))
        rebuilt[phrase.offset : phrase.offset + len(phrase.samples)] += phrase.samples[
            : len(rebuilt) - phrase.offset
        ]
    assert np.array_equal(rebuilt, track)


def test_identical_bytes_in_a_fresh_process() -> None:
    """Determinism across worker processes (single-threaded onnxruntime, seeded noise)."""
    import subprocess
    import sys

    script = (
        "import hashlib; from songsmith.engines.score import Note;"
        "from songsmith.engines.builtin.voice import sing;"
        "notes = [Note(60, 0.2, 0.7, 0.8, 'wˈɔ'), Note(64, 0.7, 1.4, 0.8, 'kɪŋ')];"
        "print(hashlib.sha256(sing(notes, gender='m', seed=5).tobytes()).hexdigest())"
    )
    notes = [Note(60, 0.2, 0.7, 0.8, "wˈɔ"), Note(64, 0.7, 1.4, 0.8, "kɪŋ")]
    here = hashlib.sha256(sing(notes, gender="m", seed=5).tobytes()).hexdigest()
    there = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    ).stdout.strip()
    assert there == here


def test_a_repeated_line_reuses_its_speech_and_sings_the_same_samples(
    make_melody: MelodyMaker,
) -> None:
    from songsmith.engines.builtin.voice import SpeechCache

    # A chorus line sung twice, then again a third above by a second voice (backing vocals).
    once = make_melody([LINES[0], LINES[1], LINES[0]], base_pitch=62)
    harmony = [Note(n.pitch + 4, n.start, n.end, n.velocity, n.syllable) for n in once]
    cache = SpeechCache()
    lead = sing_mono(once, gender="f", seed=3, cache=cache)
    assert cache.hits == 1  # the third line is the first one's letters
    backing = sing_mono(harmony, gender="f", seed=4, cache=cache)
    assert cache.hits == 4  # every line of the second voice
    assert lead.tobytes() == sing_mono(once, gender="f", seed=3).tobytes()
    assert backing.tobytes() == sing_mono(harmony, gender="f", seed=4).tobytes()
    # Bounded: past its limit the oldest phrase is forgotten.
    small = SpeechCache(limit=1)
    sing_mono(once, gender="f", seed=3, cache=small)
    assert small.hits == 0
