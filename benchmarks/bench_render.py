# ruff: noqa: T201 (a benchmark reports on stdout)
"""CPU time of the built-in engine's render, mix and master stages against the audio's duration.

    .venv/bin/python benchmarks/bench_render.py [--seconds 180] [--repeat 2]
    NUMPY_MADVISE_HUGEPAGE=0 .venv/bin/python benchmarks/bench_render.py   # see main()

Renders a hand-built full arrangement (drums, bass, piano, guitar, strings, synth pad and lead,
brass) of the given length plus two synthetic vocal stems, then mixes and masters it; also the
composer's own arrangement when `compose` is importable. CPU time is `time.process_time` of this
process (single-threaded BLAS/FFT), soundfont already loaded, best of `--repeat` runs. The
machine's load average is printed: on a shared machine CPU time still grows with contention.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

from songsmith.engines.score import Note, Score, Section, Track

RATE = 44100


def full_arrangement(seconds: float, bpm: float = 112.0) -> Score:
    """A busy pop/rock arrangement in C major: every bar has drums, bass, chords and a line."""
    beat = 60.0 / bpm
    bars = int(seconds / (4 * beat))
    progression = [(48, (60, 64, 67)), (45, (57, 60, 64)), (41, (53, 57, 60)), (43, (55, 59, 62))]
    tracks = {
        name: Track(name, group, program, is_drum=group == "drums")
        for name, group, program in (
            ("drums", "drums", 0),
            ("bass", "bass", 33),
            ("piano", "keyboard", 0),
            ("guitar", "guitar", 27),
            ("strings", "strings", 48),
            ("pad", "synth", 89),
            ("lead", "synth", 80),
            ("brass", "brass", 61),
        )
    }
    rng = np.random.default_rng(0)
    for bar in range(bars):
        t0 = bar * 4 * beat
        root, chord = progression[bar % 4]
        for step in range(8):  # eighth-note hats, kick on 1 and 3, snare on 2 and 4
            t = t0 + step * beat / 2
            tracks["drums"].notes.append(Note(42, t, t + 0.05, 0.5 + 0.2 * (step % 2 == 0)))
            if step in (0, 4):
                tracks["drums"].notes.append(Note(36, t, t + 0.1, 0.95))
            if step in (2, 6):
                tracks["drums"].notes.append(Note(38, t, t + 0.1, 0.85))
            tracks["bass"].notes.append(Note(root - 12 + 7 * (step == 6), t, t + beat / 2, 0.8))
            guitar_t = t + 0.008 * (step % 3)
            for offset, pitch in enumerate(chord):
                start = guitar_t + offset * 0.012
                tracks["guitar"].notes.append(Note(pitch, start, start + beat / 2 - 0.02, 0.6))
        if bar % 8 == 0:
            tracks["drums"].notes.append(Note(49, t0, t0 + 0.5, 0.9))
        for half in range(2):
            t = t0 + half * 2 * beat
            for pitch in chord:
                tracks["piano"].notes.append(Note(pitch, t, t + 2 * beat - 0.05, 0.7))
        for pitch in chord:
            tracks["strings"].notes.append(Note(pitch + 12, t0, t0 + 4 * beat, 0.5))
            tracks["pad"].notes.append(Note(pitch - 12, t0, t0 + 4 * beat, 0.45))
        for step in range(4):
            pitch = int(chord[int(rng.integers(3))] + 12)
            t = t0 + step * beat
            tracks["lead"].notes.append(Note(pitch, t, t + beat * 0.9, 0.6))
        if bar % 4 == 3:
            tracks["brass"].notes.append(Note(chord[0], t0 + 2 * beat, t0 + 4 * beat, 0.7))
            tracks["brass"].notes.append(Note(chord[2], t0 + 2 * beat, t0 + 4 * beat, 0.7))
    duration = bars * 4 * beat
    return Score(
        bpm=bpm,
        key="C major",
        time_signature=(4, 4),
        sections=[Section("verse", 0.0, duration, "[Verse]")],
        tracks=list(tracks.values()),
        duration_s=duration,
    )


def synthetic_voice(length: int, seed: int, level: float = 0.3) -> np.ndarray:
    """A harmonic 'voice' with vibrato in 4-second phrases (stands in for the singer's stem)."""
    t = np.arange(length) / RATE
    f0 = 220.0 * 2 ** (np.floor(t / 0.5) % 5 / 12) * (1 + 0.004 * np.sin(2 * np.pi * 5.5 * t))
    phase = 2 * np.pi * np.cumsum(f0) / RATE
    voice = sum(np.sin(k * phase) / k for k in range(1, 8))
    phrase = ((t + seed) % 6.0) < 4.0
    mono = (level * voice * phrase).astype(np.float32)
    return np.stack([mono, mono], axis=1)


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.process_time()
        result = fn()
        best = min(best, time.process_time() - start)
    return best, result


def bench(score: Score, label: str, repeat: int) -> None:
    from songsmith.engines.builtin.mix import mix_stems
    from songsmith.engines.builtin.render import render_stems
    from songsmith.media.codecs import encode_mp3
    from songsmith.media.master import master

    duration = score.duration_s
    warm = Score(score.bpm, score.key, score.time_signature, [], score.tracks, [], [], 2.0)
    mix_stems(render_stems(warm, RATE), RATE, genre="pop", seed=0)  # first-call imports
    render_s, stems = timed(lambda: render_stems(score, RATE), repeat)
    length = len(next(iter(stems.values())))
    stems["vocals"] = synthetic_voice(length, 0)
    stems["backing_vocals"] = synthetic_voice(length, 3, 0.15)
    mix_s, (mix, processed) = timed(lambda: mix_stems(stems, RATE, genre="pop", seed=1), repeat)
    master_s, mastered = timed(lambda: master(mix, processed, RATE), 1)
    mp3_s, _ = timed(lambda: encode_mp3(mastered.mix, RATE), 1)
    residual = sum(processed.values()) - mix
    residual_db = 10 * np.log10(float(np.sum(residual**2)) / float(np.sum(mix**2)) + 1e-30)
    print(f"\n{label}: {duration:.1f} s of audio, {len(stems)} stems ({', '.join(sorted(stems))})")
    print(f"{'stage':<28}{'CPU s':>8}{'x real time':>14}")
    for name, seconds in (
        ("render (tinysoundfont)", render_s),
        ("mix (EQ/comp/pan/reverb)", mix_s),
        ("render + mix", render_s + mix_s),
        ("master (incl. mp3 + check)", master_s),
        ("  of which: one mp3 encode", mp3_s),
    ):
        print(f"{name:<28}{seconds:>8.2f}{duration / seconds:>14.1f}")
    print(
        f"stems-sum residual {residual_db:.1f} dB; master: {mastered.lufs:.2f} LUFS, "
        f"{mastered.true_peak_db:.2f} dBTP, limiter {mastered.limiter_db:.1f} dB, "
        f"{mastered.passes} pass(es)"
    )


def reference_s() -> float:
    """A fixed numeric workload, so figures from runs under different machine load compare."""
    from scipy import fft

    signal = np.random.default_rng(0).standard_normal((2, 180 * RATE)).astype(np.float32)
    seconds, _ = timed(lambda: fft.irfft(fft.rfft(signal, axis=-1), axis=-1), 2)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    from songsmith.engines.builtin.render import load_soundfont

    start = time.process_time()
    load_soundfont(RATE)
    print(f"soundfont load: {time.process_time() - start:.2f} s CPU (once per process)")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    # numpy madvises huge pages for big arrays; with THP defrag=madvise the kernel may compact
    # memory on every first touch, which made each new 60 MB stem cost ~0.1 s here.
    print(f"NUMPY_MADVISE_HUGEPAGE={os.environ.get('NUMPY_MADVISE_HUGEPAGE', '(default: on)')}")
    print(f"reference (same run): 3 min stereo rfft+irfft = {reference_s():.2f} s CPU")
    bench(full_arrangement(args.seconds), "hand-built full arrangement", args.repeat)
    try:
        from songsmith.domain.statuses import Mode
        from songsmith.engines.builtin.compose import compose
        from songsmith.engines.typing import GenerationJob
    except ImportError:
        return
    job = GenerationJob(
        mode=Mode.INSTRUMENTAL, seed=7, max_duration_s=240, tags="pop rock", instrumental=True
    )
    bench(compose(job).score, "composer's arrangement (pop rock, instrumental)", args.repeat)


if __name__ == "__main__":
    main()
