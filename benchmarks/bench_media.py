# ruff: noqa: T201 (a benchmark reports on stdout)
"""CPU time of the on-request media of one clip: act/wav, act/midi, act/timing, act/mp4.

    .venv/bin/python benchmarks/bench_media.py [--seconds 180] [--repeat 2] [--uploads]

Builds a generated-clip-like record in a temporary store (real SQLite store and blob folder):
a full mix of 7 stems mastered the way the pipeline stores them (stem wavs, mp3, cover, a dense
score of ~4000 notes and ~300 timed words), then times each use case's first request, which is
the one that renders. CPU is `time.process_time` of this process (all its threads), best of
`--repeat`; the baseline is the audio's own duration (real time), so "x real time" = song
seconds / CPU seconds. Goals (issue 4): mp4 of a 3-minute song <= 10 s (>= 18x real time);
midi, timing and wav < 1 s. `--uploads` also times the analysis of an upload (tempo, beats,
key, chords, sections), the mask separation for its stems, and basic-pitch on 30 s.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

RATE = 44100
GROUPS = ("vocals", "drums", "bass", "guitar", "keyboard", "strings", "synth")


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """(best CPU s, its wall s, last result)."""
    best, wall, result = float("inf"), 0.0, None
    for _ in range(repeat):
        cpu0, wall0 = time.process_time(), time.perf_counter()
        result = fn()
        cpu = time.process_time() - cpu0
        if cpu < best:
            best, wall = cpu, time.perf_counter() - wall0
    return best, wall, result


def song_stems(seconds: float) -> dict[str, np.ndarray]:
    """Seven stereo stems with music-like content (tones, noise hits, a sung-like line)."""
    rng = np.random.default_rng(0)
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    beat = 0.5
    stems: dict[str, np.ndarray] = {}
    for index, group in enumerate(GROUPS):
        if group == "drums":
            mono = np.zeros(n)
            hit = np.exp(-np.arange(4000) / 300) * rng.standard_normal(4000)
            for start in range(0, n - 4000, int(beat * RATE / 2)):
                mono[start : start + 4000] += 0.3 * hit
        else:
            f0 = 110.0 * 2 ** (index / 4) * 2 ** (np.floor(t / beat) % 5 / 12)
            mono = 0.08 * np.sin(2 * np.pi * np.cumsum(f0) / RATE)
        pan = 0.5 + 0.3 * np.sin(index)
        stems[group] = np.stack([mono * pan, mono * (1 - pan)], axis=1).astype(np.float32)
    return stems


def dense_score(seconds: float) -> Any:
    from songsmith.engines.score import Note, Score, Section, Track, WordTiming

    beat = 0.5
    tracks = [Track(g, g, 8 * i, is_drum=g == "drums") for i, g in enumerate(GROUPS)]
    steps = int(seconds / (beat / 2))
    for track_index, track in enumerate(tracks):
        for step in range(steps):
            start = step * beat / 2
            for voice in range(2 if track.group in ("keyboard", "guitar", "strings") else 1):
                pitch = 40 + 5 * track_index + (step * 7 + voice * 4) % 12
                track.notes.append(Note(pitch, start, start + beat / 2 - 0.01, 0.7))
    words = []
    for i in range(int(seconds / 0.55)):
        text = ("[Verse]\n" if i % 32 == 0 else "\n" if i % 6 == 0 else "") + f"word{i} "
        words.append(WordTiming(text, i * 0.55, i * 0.55 + 0.45))
    return Score(
        bpm=120.0,
        key="C major",
        time_signature=(4, 4),
        sections=[Section("verse", 0.0, seconds, "[Verse]")],
        tracks=tracks,
        words=words,
        duration_s=seconds,
    )


def make_clip(root: Path, seconds: float) -> tuple[Any, Any, Any]:
    """A complete clip stored the way the pipeline stores a generated one."""
    from songsmith.blobs.local import LocalBlobStore
    from songsmith.domain.models import Clip, Task
    from songsmith.domain.statuses import Action, ClipStatus, Mode, TaskStatus
    from songsmith.media.codecs import encode_wav
    from songsmith.media.cover import cover_images
    from songsmith.media.master import master
    from songsmith.store.sql import SqlStore

    store = SqlStore(f"sqlite:///{root / 'bench.db'}")
    blobs = LocalBlobStore(root / "blobs", "http://127.0.0.1:8000")
    stems = song_stems(seconds)
    mix = np.sum(list(stems.values()), axis=0).astype(np.float32)
    mastered = master(mix, stems, RATE)
    score = dense_score(seconds)
    small, large = cover_images("Benchmark Song", "pop", 1)
    artifacts = {
        "mp3": blobs.put(mastered.mp3, content_type="audio/mpeg", suffix="mp3"),
        "image": blobs.put(small, content_type="image/jpeg", suffix="jpg"),
        "image_large": blobs.put(large, content_type="image/jpeg", suffix="jpg"),
        "score": blobs.put(
            json.dumps(score.to_dict()).encode(), content_type="application/json", suffix="json"
        ),
        "timing": blobs.put(
            json.dumps(
                {
                    "aligned_words": [
                        {
                            "word": w.word,
                            "start_s": w.start_s,
                            "end_s": w.end_s,
                            "success": True,
                            "p_align": 1.0,
                        }
                        for w in score.words
                    ]
                }
            ).encode(),
            content_type="application/json",
            suffix="json",
        ),
    }
    for group, stem in mastered.stems.items():
        artifacts[f"stem:{group}"] = blobs.put(
            encode_wav(stem, RATE), content_type="audio/wav", suffix="wav"
        )
    task_id, clip_id = str(uuid.uuid4()), str(uuid.uuid4())
    now = datetime.now(UTC)
    clip = Clip(clip_id, task_id, "key_bench", 0, ClipStatus.SUBMITTED, "Benchmark Song",
                "chirp-auk", now)  # fmt: skip
    task = Task(task_id, "key_bench", Action.MUSIC, Mode.CUSTOM, TaskStatus.SUBMITTED,
                int(time.time()), {}, clip_ids=[clip_id])  # fmt: skip
    store.create_task(task, [clip])
    store.start_clip(clip_id, 1)
    store.complete_clip(clip_id, 1, duration=seconds, artifacts=artifacts, metadata={})
    done = store.get_clip(clip_id, None)
    return store, blobs, done


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--uploads", action="store_true")
    args = parser.parse_args()
    from songsmith.services import act
    from songsmith.services.timing import timing_of

    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    seconds = args.seconds
    with tempfile.TemporaryDirectory() as folder:
        store, blobs, clip = make_clip(Path(folder), seconds)
        notes = sum(
            len(t["notes"])
            for t in json.loads(b"".join(blobs.read(clip.artifacts["score"])))["tracks"]
        )
        print(f"clip: {seconds:.0f} s, {notes} notes, baseline = real time ({seconds:.0f} s)")

        def fresh() -> Any:
            # a clip record without the lazily added artifacts: every call renders again
            keep = {k: v for k, v in clip.artifacts.items() if k not in ("wav", "midi", "mp4")}
            return type(clip)(**{**clip.__dict__, "artifacts": keep})

        rows: list[tuple[str, float, float, float]] = []
        for name, fn, goal in (
            ("act/wav (sum of stems -> 16-bit wav)", lambda: act.render_wav(blobs, fresh()), 1.0),
            ("act/midi (score -> .mid + instruments)", lambda: act.midi_for_clip(
                store, blobs, None, fresh(), None), 1.0),
            ("act/timing (words + waveform)", lambda: timing_of(store, blobs, fresh()), 1.0),
            ("act/mp4 (job body: H.264 + AAC)", lambda: act.render_mp4_blob(blobs, fresh()), 10.0),
        ):  # fmt: skip
            cpu, wall, _ = timed(fn, args.repeat)
            rows.append((name, cpu, wall, goal))
        if args.uploads:
            from songsmith.media.analysis import ANALYSIS_RATE, analyze, to_mono, transcribe
            from songsmith.services.stems import separate

            audio, rate = act.clip_master(blobs, clip)
            analyze(audio[: rate * 5], rate)  # first-call imports and numba compilation
            separate(audio[: rate * 5], rate)
            for name, fn in (
                ("upload analysis (tempo..sections)", lambda: analyze(audio, rate)),
                ("upload stems (mask separation)", lambda: separate(audio, rate)),
            ):
                cpu, wall, _ = timed(fn, 1)
                rows.append((name, cpu, wall, float("nan")))
            part = to_mono(audio[: rate * 30], rate)
            cpu, wall, _ = timed(lambda: transcribe(part, ANALYSIS_RATE), 1)
            rows.append(("basic-pitch on 30 s (x6 for 3 min)", cpu, wall, float("nan")))
        store.close()
    print(f"{'stage':42} {'CPU s':>7} {'wall s':>7} {'x real':>7} {'goal s':>7}")
    for name, cpu, wall, goal in rows:
        verdict = "" if goal != goal else ("ok" if cpu <= goal else "MISSED")
        print(f"{name:42} {cpu:7.2f} {wall:7.2f} {seconds / cpu:7.1f} {goal:7.1f} {verdict}")


if __name__ == "__main__":
    main()
