"""Each metric on synthetic signals and hand-made scores whose right answer is known."""

from __future__ import annotations

import math

import numpy as np
import pytest

from songsmith.engines.score import Note, Score, Section, Track, WordTiming
from songsmith.evaluation import metrics

RATE = 22050


def tone(midi: float, seconds: float, rate: int = RATE, level: float = 0.3) -> np.ndarray:
    """A voice-like harmonic tone (stereo) at a fractional MIDI pitch."""
    t = np.arange(int(seconds * rate)) / rate
    f0 = 440.0 * 2 ** ((midi - 69) / 12)
    wave = np.sum([np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 6)], axis=0)
    mono = (level * wave / 2).astype(np.float32)
    return np.stack([mono, mono], axis=1)


def test_vocal_pitch_in_tune_and_detuned() -> None:
    notes = [Note(57, 0.2, 0.6, 0.8), Note(60, 0.6, 1.0, 0.8), Note(64, 1.0, 1.05, 0.8)]
    audio = np.concatenate(
        [np.zeros((int(0.2 * RATE), 2), np.float32), tone(57, 0.4), tone(60, 0.4), tone(64, 0.3)]
    )
    result = metrics.vocal_pitch(audio, RATE, notes)
    assert result.notes_measured == 2  # the 50 ms note is too short to count
    assert result.median_abs_cents <= 10
    assert result.ok
    sharp = np.concatenate([np.zeros((int(0.2 * RATE), 2), np.float32), tone(57.4, 0.8)])
    off = metrics.vocal_pitch(sharp, RATE, [Note(57, 0.2, 0.6, 0.8), Note(57, 0.6, 1.0, 0.8)])
    assert 30 <= off.median_abs_cents <= 50
    assert not off.ok


def test_silence_where_a_note_should_sound_is_a_miss() -> None:
    silent = np.zeros((RATE, 2), np.float32)
    result = metrics.vocal_pitch(silent, RATE, [Note(60, 0.2, 0.8, 0.8)])
    assert result.errors == [1200.0]
    assert not result.ok


def test_syllables_and_word_timings() -> None:
    from songsmith.phonetics import syllabify_line

    line = "Hold on to the morning light"
    syllables = [s.phonemes for w in syllabify_line(line) for s in w.syllables]
    notes = [Note(60, i * 0.5, i * 0.5 + 0.4, 0.8, s) for i, s in enumerate(syllables)]
    notes.insert(2, Note(62, 0.9, 0.95, 0.8, None))  # a melisma continuation is not a syllable
    assert metrics.syllables_sung(notes, [line]).ok
    assert not metrics.syllables_sung(notes[:-1], [line]).ok
    words = [
        WordTiming(("[Verse]\n" if i == 0 else "") + w.text, i * 0.5, i * 0.5 + 0.4)
        for i, w in enumerate(syllabify_line(line))
    ]
    assert metrics.word_timings(words, [line], 10.0).ok
    assert metrics.word_timings(words[1:], [line], 10.0).missing == ["Hold"]
    assert not metrics.word_timings(words, [line], 1.0).inside
    backwards = [WordTiming(w.word, w.end_s, w.start_s) for w in words]
    assert not metrics.word_timings(backwards, [line], 10.0).ordered


def test_tempo_of_a_click_track_half_and_double_count() -> None:
    seconds, bpm = 12.0, 120.0
    audio = np.zeros((int(seconds * RATE), 2), np.float32)
    length = int(0.05 * RATE)  # a 50 ms decaying noise burst, like a closed hi-hat
    burst = np.random.default_rng(1).standard_normal(length) * np.exp(-np.arange(length) / 200)
    for beat in np.arange(0, seconds - 0.1, 60 / bpm):
        start = int(beat * RATE)
        audio[start : start + length] += 0.5 * burst.astype(np.float32)[:, None]
    assert metrics.tempo(audio, RATE, bpm).ok
    assert metrics.tempo(audio, RATE, bpm / 2).ok  # double counts
    assert not metrics.tempo(audio, RATE, 97.0).ok


def test_key_of_a_cadence_and_relative_keys() -> None:
    chords = ((60, 64, 67), (65, 69, 72), (67, 71, 74), (60, 64, 67))  # C F G C
    audio = np.concatenate([sum(tone(p, 1.5, level=0.1) for p in chord) for chord in chords])
    assert metrics.key(audio, RATE, "C major").ok
    assert metrics.is_relative("C major", "A minor") and metrics.is_relative("A minor", "C major")
    assert not metrics.is_relative("C major", "C minor")
    assert metrics.parse_key("F# minor") == (6, "minor")


def test_loudness_of_a_decoded_mp3() -> None:
    from songsmith.media.codecs import encode_mp3

    # 997 Hz stereo sine at 0.1 peak: -20 LUFS by BS.1770's calibration (K-weighting ~0 dB there)
    t = np.arange(44100 * 5) / 44100
    mono = (0.1 * np.sin(2 * np.pi * 997 * t)).astype(np.float32)
    result = metrics.loudness_of_mp3(encode_mp3(np.stack([mono, mono], axis=1), 44100))
    assert result.lufs == pytest.approx(-20.0, abs=0.5)
    assert result.true_peak_dbtp == pytest.approx(-20.0, abs=0.5)
    assert not result.ok  # far from -14 LUFS


def test_true_peak_sees_inter_sample_peaks() -> None:
    # a sine at a quarter of the rate, sampled 45 degrees off its peaks: samples at 0.707
    n = np.arange(4000)
    x = np.sin(2 * np.pi * n / 4 + np.pi / 4)
    assert float(np.abs(x).max()) == pytest.approx(math.sqrt(0.5), abs=1e-6)
    assert metrics.true_peak_dbtp(x) == pytest.approx(0.0, abs=0.3)


def test_vocal_balance_and_silence() -> None:
    rate, n = 1000, 4000
    backing = np.full((n, 2), 0.1, np.float32)
    vocals = np.zeros((n, 2), np.float32)
    vocals[:2000] = 0.2  # +6.02 dB over the backing in the first section
    sections = [(0.0, 2.0, True), (2.0, 4.0, False)]
    result = metrics.vocal_balance({"drums": backing, "vocals": vocals}, rate, sections)
    assert result.sung_db == [pytest.approx(6.02, abs=0.01)]
    assert not result.balance_ok  # just over +6
    assert result.silence_ok
    vocals[2800:3000] = 0.01  # -40 dBFS inside the unsung section
    leaky = metrics.vocal_balance({"drums": backing, "vocals": vocals}, rate, sections)
    assert not leaky.silence_ok


def test_stems_residual() -> None:
    rng = np.random.default_rng(0)
    stems = {k: rng.standard_normal((1000, 2)).astype(np.float32) for k in ("a", "b")}
    mix = stems["a"] + stems["b"]
    assert metrics.stems_residual_db(mix, stems) < -100
    assert metrics.stems_residual_db(mix * 1.1, stems) == pytest.approx(-20.8, abs=0.1)


def test_edit_ratio_and_family_clashes() -> None:
    assert metrics.edit_ratio([1, 2, 3, 4], [1, 2, 3, 4]) == 0
    assert metrics.edit_ratio([1, 2, 3, 4], [1, 9, 3]) == 0.5
    assert metrics.edit_ratio([], [5]) == 1
    a = metrics.FamilyProfile("a", (90, 100), frozenset({0, 33}))
    b = metrics.FamilyProfile("b", (120, 130), frozenset({0, 33}))
    c = metrics.FamilyProfile("c", (60, 70), frozenset({48}))
    assert metrics.families_distinct([a, b, c]) == [("a", "b")]


def test_tags_followed() -> None:
    score = Score(
        120,
        "C major",
        (4, 4),
        tracks=[
            Track("sax", "woodwinds", 65, notes=[Note(60, 0, 1, 0.8)]),
            Track("drums", "drums", 0, is_drum=True, notes=[Note(36, 0, 1, 0.8)]),
            Track("piano", "keyboard", 0),  # no notes: not present
        ],
    )
    assert metrics.tags_followed(score, {"sax": (65,)}, {"piano": (0,)}).ok
    assert metrics.tags_followed(score, {"cello": (42,)}, {}).missing == ["cello"]
    assert metrics.tags_followed(score, {}, {}, drums_banned=True).present_banned == ["drums"]


def _song_score(chorus_pitches: tuple[list[int], list[int]], labels: list[str]) -> Score:
    """Verse line, chorus line twice; lead notes one per word."""
    lines = ["walk along", "hold on now", "hold on now"]
    notes, words, t = [], [], 0.0
    pitches = [[60, 62], *chorus_pitches]
    for line, line_pitches in zip(lines, pitches, strict=True):
        for word, pitch in zip(line.split(), line_pitches, strict=False):
            notes.append(Note(pitch, t, t + 0.4, 0.8, word))
            words.append(WordTiming(word, t, t + 0.4))
            t += 0.5
    sections = [Section("x", i, i + 1, label) for i, label in enumerate(labels)]
    return Score(
        120,
        "C major",
        (4, 4),
        sections=sections,
        tracks=[Track("lead_vocal", "vocals", 52, notes=notes)],
        words=words,
    )


def test_structure_order_and_repeated_lines() -> None:
    lyrics = "[Verse]\nwalk along\n[Chorus]\nhold on now\n[Chorus]\nhold on now\n"
    lines = ["walk along", "hold on now", "hold on now"]
    good = _song_score(([64, 65, 67], [64, 65, 67]), ["[Intro]", "[Verse]", "[Chorus]", "[Chorus]"])
    result = metrics.structure(good, lyrics, lines)
    assert result.ok and result.repeated_lines == 1
    # the song's last line may end on the tonic instead (final cadence)
    cadence = _song_score(([64, 65, 67], [64, 65, 60]), ["[Verse]", "[Chorus]", "[Chorus]"])
    assert metrics.structure(cadence, lyrics, lines).ok
    changed = _song_score(([64, 65, 67], [64, 69, 60]), ["[Verse]", "[Chorus]", "[Chorus]"])
    assert metrics.structure(changed, lyrics, lines).reused_melody == 0
    swapped = _song_score(([64, 65, 67], [64, 65, 67]), ["[Chorus]", "[Verse]", "[Chorus]"])
    assert not metrics.structure(swapped, lyrics, lines).sections_in_order
    cut = _song_score(([64, 65, 67], [64, 65, 67]), ["[Verse]", "[Chorus]"])
    assert not metrics.structure(cut, lyrics, lines).sections_in_order
    assert metrics.structure(cut, lyrics, lines, capped=True).sections_in_order
    middle_cut = _song_score(([64, 65, 67], [64, 65, 67]), ["[Verse]", "[Chorus]"])
    outro = "[Verse]\nwalk along\n[Bridge]\nhold on now\n[Chorus]\nhold on now\n"
    assert metrics.structure(middle_cut, outro, lines, capped=True).sections_in_order
    assert not metrics.structure(swapped, lyrics, lines, capped=True).sections_in_order


def test_lyric_lines_and_markers() -> None:
    lyrics = "[Verse 1]\nfirst line\n\n[Fade out]\n[chorus]\nsecond line\n"
    assert metrics.lyric_markers(lyrics) == ["[Verse 1]", "[chorus]"]
    assert metrics.lyric_lines(lyrics) == ["first line", "second line"]
    assert metrics.all_lines_sung(lyrics, ["first line", "second line"])
    assert not metrics.all_lines_sung(lyrics, ["first line"])
    assert metrics.all_lines_sung(lyrics, ["first line"], capped=True)
