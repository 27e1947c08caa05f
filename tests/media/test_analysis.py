"""Analysis of audio songsmith did not compose, on synthesised songs whose truth is known."""

from __future__ import annotations

import numpy as np
import pytest

from songsmith.media import analysis

RATE = 44100
BPM = 120.0
BEAT = 60.0 / BPM
# two parts of six bars, A B A B: A = G Em C D, B = Am D Bm C (all in G major)
PART_A = [("G", (55, 59, 62)), ("Em", (52, 55, 59)), ("C", (48, 52, 55)), ("D", (50, 54, 57))]
PART_B = [("Am", (57, 60, 64)), ("D", (50, 54, 57)), ("Bm", (47, 50, 54)), ("C", (48, 52, 55))]


def _hz(pitch: int) -> float:
    return 440.0 * 2 ** ((pitch - 69) / 12)


def synth_song() -> tuple[np.ndarray, list[str]]:
    """24 bars of 4/4 at 120 bpm: chords (with bass), kick on every beat, louder hats in B.
    Returns the audio and the chord of each bar."""
    bar_n = int(4 * BEAT * RATE)
    t = np.arange(bar_n) / RATE
    decay = np.exp(-t * 0.8)
    rng = np.random.default_rng(1)
    bars: list[np.ndarray] = []
    labels: list[str] = []
    for part in ("A", "B", "A", "B"):
        chords = PART_A if part == "A" else PART_B
        for bar in range(6):
            name, notes = chords[bar % 4]
            y = np.zeros(bar_n)
            for pitch in notes:
                f = _hz(pitch + 12)
                y += 0.08 * decay * (np.sin(2 * np.pi * f * t) + 0.4 * np.sin(4 * np.pi * f * t))
            y += 0.15 * decay * np.sin(2 * np.pi * _hz(notes[0] - 12) * t)
            for beat in range(4):
                s = int(beat * BEAT * RATE)
                k = np.arange(2500) / RATE
                y[s : s + 2500] += (
                    (0.5 if beat == 0 else 0.3) * np.sin(2 * np.pi * 60 * k) * np.exp(-k * 40)
                )
                if part == "B":
                    h = s + int(BEAT * RATE / 2)
                    y[h : h + 800] += 0.15 * rng.standard_normal(min(800, bar_n - h))
            bars.append(y)
            labels.append(name)
    mono = np.concatenate(bars).astype(np.float32)
    return np.stack([mono, mono], axis=1), labels


@pytest.fixture(scope="module")
def song() -> tuple[np.ndarray, list[str], dict]:
    audio, labels = synth_song()
    return audio, labels, analysis.analyze(audio, RATE)


def test_tempo_key_and_beats(song: tuple[np.ndarray, list[str], dict]) -> None:
    _, _, result = song
    bpm = result["bpm"]
    assert any(abs(bpm * k - BPM) / BPM < 0.03 for k in (0.5, 1.0, 2.0)), bpm
    assert result["key"] in ("G major", "E minor"), result["key"]  # relative keys count
    beats = np.diff(result["beats"])
    assert len(result["beats"]) > 70 and abs(np.median(beats) - BEAT) < 0.03
    downbeats = np.diff(result["downbeats"])
    assert abs(np.median(downbeats) - 4 * BEAT) < 0.1


def test_chords_follow_the_bars(song: tuple[np.ndarray, list[str], dict]) -> None:
    _, labels, result = song
    bar_s = 4 * BEAT
    hits = total = 0
    for start, end, symbol in result["chords"]:
        middle = (start + end) / 2
        bar = int(middle // bar_s)
        if bar < len(labels) and end - start >= BEAT * 0.9:
            total += 1
            hits += symbol == labels[bar]
    assert total > 10 and hits / total >= 0.7, (hits, total, result["chords"][:12])


def test_sections_split_where_the_parts_change(song: tuple[np.ndarray, list[str], dict]) -> None:
    _, _, result = song
    sections = result["sections"]
    assert sections[0]["start_s"] == 0.0 and sections[-1]["end_s"] == result["duration_s"]
    starts = [s["start_s"] for s in sections[1:]]
    part_s = 6 * 4 * BEAT
    for boundary in (part_s, 2 * part_s, 3 * part_s):
        assert any(abs(s - boundary) <= 2 * BEAT * 4 for s in starts), (boundary, sections)
    labels = [s["label"] for s in sections]
    assert len(set(labels)) < len(labels)  # the repeat is recognised as the same material


def test_key_profiles_name_every_key() -> None:
    for tonic in range(12):
        chroma = np.roll(np.asarray(analysis.MINOR_PROFILE), tonic)
        estimate = analysis.estimate_key(chroma)
        assert (estimate.tonic, estimate.mode) == (tonic, "minor")
    assert analysis.estimate_key(np.zeros(12)).correlation == -1.0


def test_silence_has_no_beats_and_no_chords() -> None:
    result = analysis.analyze(np.zeros((RATE * 3, 2), np.float32), RATE)
    assert result["chords"] == [] and result["bpm"] >= 0.0


def test_transcription_hears_a_melody() -> None:
    pitches = [60, 64, 67, 72]
    t = np.arange(int(0.5 * 22050)) / 22050
    mono = np.concatenate(
        [0.4 * np.sin(2 * np.pi * _hz(p) * t) * np.minimum(1, (0.5 - t) * 20) for p in pitches]
    )
    notes = analysis.transcribe(mono.astype(np.float64), 22050)
    melody = analysis.skyline(notes)
    assert [n["pitch"] for n in melody if n["end"] - n["start"] > 0.2] == pitches
    assert all(0 <= n["velocity"] <= 1 for n in notes)
