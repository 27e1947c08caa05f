"""`TestingEngine`: a tiny deterministic engine for the test suite. Its output is a test signal.

It renders seeded sine-wave chords and noise bursts as two stems (plus a sine "vocals" stem when
there are lyrics) with a small Score and word timings, quickly, so every service path can run
for real. Knobs, from `job.extra["testing"]` (a dict) or from tags such as `testing:fail`:

    fail            raise GenerationFailed (no retry)
    error           raise RuntimeError (a retryable failure)
    crash           os._exit(70): the process dies mid-job
    crash_once      crash only the first time this job is seen (a marker file in the folder named
                    by $SONGSMITH_TESTING_MARKER_DIR, keyed by seed and text)
    hang            ignore SIGTERM, start a child process, and never return
    slow=SECONDS    take at least this long, reporting progress as it goes
    duration=SECONDS  length of the output (default 2 s, capped by max_duration_s)
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from songsmith.domain.errors import GenerationFailed
from songsmith.domain.statuses import Mode
from songsmith.engines.score import Note, Score, Section, Track, WordTiming
from songsmith.engines.typing import (
    Audio,
    AudioCallback,
    EngineCapabilities,
    GenerationJob,
    ProgressCallback,
    Song,
)

MARKER_DIR_ENV = "SONGSMITH_TESTING_MARKER_DIR"
SAMPLE_RATE = 44_100
CHUNK_S = 0.5
_CHORDS = (("C", (60, 64, 67)), ("Am", (57, 60, 64)), ("F", (53, 57, 60)), ("G", (55, 59, 62)))


def parse_knobs(job: GenerationJob) -> dict[str, Any]:
    """Knobs from tags (`testing:slow=2`) merged with `job.extra["testing"]` (which wins)."""
    knobs: dict[str, Any] = {}
    for token in job.tags.replace(",", " ").split():
        if not token.startswith("testing:"):
            continue
        name, _, value = token[len("testing:") :].partition("=")
        knobs[name] = value if value else True
    extra = job.extra.get("testing")
    if isinstance(extra, dict):
        knobs.update(extra)
    return knobs


def _hang_forever() -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # A child in our process group: a watchdog must take it down too.
    subprocess.Popen([sys.executable, "-c", "import time\nwhile True: time.sleep(1)"])
    while True:
        time.sleep(0.2)


def _first_sighting(job: GenerationJob) -> bool:
    folder = os.environ.get(MARKER_DIR_ENV)
    if not folder:
        raise GenerationFailed(
            "testing_misconfigured", f"testing:crash_once needs ${MARKER_DIR_ENV} to be set."
        )
    digest = hashlib.sha256(f"{job.seed}|{job.tags}|{job.lyrics}|{job.title}".encode()).hexdigest()
    marker = Path(folder) / f"crash_once-{digest[:24]}"
    try:
        marker.touch(exist_ok=False)
    except FileExistsError:
        return False
    return True


class TestingEngine:
    __test__ = False  # not a pytest test class
    name = "testing"
    capabilities = EngineCapabilities(
        modes=frozenset(Mode),
        max_duration_s=480.0,
        sample_rate=SAMPLE_RATE,
        streams=True,
        has_score=True,
    )

    def __init__(self, preset: str = "default") -> None:
        self.preset = preset

    def generate(
        self,
        job: GenerationJob,
        progress: ProgressCallback,
        audio: AudioCallback | None = None,
    ) -> Song:
        knobs = parse_knobs(job)
        if knobs.get("fail"):
            raise GenerationFailed("testing_failure", "The testing engine was told to fail.")
        if knobs.get("error"):
            raise RuntimeError("The testing engine was told to raise an error.")
        if knobs.get("crash"):
            os._exit(70)
        if knobs.get("crash_once") and _first_sighting(job):
            os._exit(70)
        if knobs.get("hang"):
            _hang_forever()

        duration = float(knobs.get("duration", 2.0))
        duration = max(0.5, min(duration, job.max_duration_s))
        slow_s = float(knobs.get("slow", 0.0))
        rng = np.random.default_rng(job.seed)
        n = int(duration * SAMPLE_RATE)
        t = np.arange(n, dtype=np.float64) / SAMPLE_RATE
        bpm = 120.0
        beat = 60.0 / bpm
        bar = 4 * beat

        keys = np.zeros(n)
        chord_list: list[tuple[float, float, str]] = []
        key_notes: list[Note] = []
        offset = int(rng.integers(0, len(_CHORDS)))
        for i, start in enumerate(np.arange(0.0, duration, bar)):
            end = min(duration, float(start) + bar)
            name, pitches = _CHORDS[(offset + i) % len(_CHORDS)]
            chord_list.append((float(start), end, name))
            span = (t >= start) & (t < end)
            for p in pitches:
                keys[span] += 0.08 * np.sin(2 * np.pi * 440.0 * 2 ** ((p - 69) / 12) * t[span])
                key_notes.append(Note(p, float(start), end, 0.6))

        drums = np.zeros(n)
        drum_notes: list[Note] = []
        for start in np.arange(0.0, duration, beat):
            a = int(start * SAMPLE_RATE)
            length = min(n - a, int(0.08 * SAMPLE_RATE))
            decay = np.exp(-np.arange(length) / (0.015 * SAMPLE_RATE))
            drums[a : a + length] += 0.2 * rng.standard_normal(length) * decay
            drum_notes.append(Note(36, float(start), float(start) + 0.08, 0.8))

        stems: dict[str, Audio] = {"keyboard": _stereo(keys), "drums": _stereo(drums)}
        tracks = [
            Track("keys", "keyboard", 0, notes=key_notes),
            Track("drums", "drums", 0, is_drum=True, notes=drum_notes),
        ]
        words: list[WordTiming] = []
        text_words = [] if job.instrumental else job.lyrics.split()
        sung = [w for w in text_words if not (w.startswith("[") and w.endswith("]"))]
        if sung:
            voice = np.zeros(n)
            vocal_notes: list[Note] = []
            step = duration / len(sung)
            for i, word in enumerate(sung):
                start, end = i * step, (i + 1) * step
                pitch = 60 + int(rng.integers(0, 12))
                span = (t >= start) & (t < end)
                voice[span] = 0.1 * np.sin(2 * np.pi * 440.0 * 2 ** ((pitch - 69) / 12) * t[span])
                words.append(WordTiming(word + " ", float(start), float(end)))
                vocal_notes.append(Note(pitch, float(start), float(end), 0.7, syllable=word))
            stems["vocals"] = _stereo(voice)
            tracks.insert(0, Track("lead_vocal", "vocals", 0, notes=vocal_notes))

        mix = np.sum(list(stems.values()), axis=0).astype(np.float32)
        chunk = int(CHUNK_S * SAMPLE_RATE)
        steps = max(1, -(-n // chunk))
        began = time.monotonic()
        for i in range(steps):
            if slow_s > 0:
                time.sleep(max(0.0, began + slow_s * (i + 1) / steps - time.monotonic()))
            if audio is not None:
                audio(mix[i * chunk : (i + 1) * chunk])
            progress(i + 1, steps)

        score = Score(
            bpm=bpm,
            key="C major",
            time_signature=(4, 4),
            sections=[Section("verse", 0.0, duration, "[Verse]")],
            tracks=tracks,
            words=words,
            chords=chord_list,
            duration_s=duration,
        )
        return Song(
            sample_rate=SAMPLE_RATE,
            mix=mix,
            stems=stems,
            score=score,
            words=words,
            metadata={
                "engine": "testing",
                "bpm": bpm,
                "key": "C major",
                "time_signature": "4/4",
                "has_vocal": bool(sung),
                "vocal_gender": job.vocal_gender,
                "sections": [{"name": "verse", "start_s": 0.0, "end_s": duration}],
            },
        )


def _stereo(mono: Any) -> Audio:
    return np.repeat(np.asarray(mono, dtype=np.float32)[:, None], 2, axis=1)
