"""Speed of the built-in engine on a 3-minute song with vocals, stems, score and mp3.

    .venv/bin/python benchmarks/bench_engine.py [--seconds 180] [--tags "pop, female vocals"]

Goals (builtin-engine.md, issue 3), measured in a fresh worker-like subprocess whose soundfont
and voice are loaded before the clock starts:
- worker CPU time (`time.process_time`) for compose, render, sing, mix, master + mp3, stems,
  score JSON and MIDI: <= 8 s, i.e. >= 22x real time (baseline: the audio's own duration);
- time from the call to the first streamed audio chunk, and to its first mp3 bytes: < 2 s;
- peak RSS of that process: < 1.5 GB.
The song is rendered twice: as the worker does it (with the streaming callback, which renders a
preview first) and without streaming. The load average is printed: on a shared machine CPU
time grows with contention.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from typing import Any

GOAL_CPU_S = 8.0
GOAL_FIRST_AUDIO_S = 2.0
GOAL_RSS_MB = 1536.0

VERSE = (
    "I walked along the river in the morning light\n"
    "The city still asleep beneath a silver sky\n"
    "I counted every window, every fading star\n"
    "And wondered if you're waking up wherever you are\n"
)
CHORUS = (
    "Hold on, hold on, we're running out of time\n"
    "Hold on, hold on, the stars will be aligned\n"
    "We'll dance until the morning sets the sky on fire\n"
    "Hold on, hold on, we're running out of time\n"
)


def long_lyrics(sections: int = 12) -> str:
    """More verse/chorus than fits, so the song runs to the length cap."""
    parts = [
        f"[Verse {i // 2 + 1}]\n{VERSE}" if i % 2 == 0 else f"[Chorus]\n{CHORUS}"
        for i in range(sections)
    ]
    return "\n".join(parts)


def _one_run(engine: Any, job: Any, *, stream: bool) -> dict[str, Any]:
    """One song as a worker produces it; CPU per stage, first-audio latency."""
    import resource

    import numpy as np

    from songsmith.engines.builtin.engine import STAGES
    from songsmith.media.codecs import Mp3StreamEncoder
    from songsmith.media.master import master
    from songsmith.media.midi import score_to_midi

    marks: list[tuple[int, float]] = []
    first: dict[str, float] = {}
    encoder = Mp3StreamEncoder(44100) if stream else None
    wall0 = time.perf_counter()
    cpu0 = time.process_time()

    rss: dict[str, int] = {}

    def progress(done: int, _total: int) -> None:
        marks.append((done, time.process_time()))
        rss[STAGES[done - 1]] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024

    def audio(chunk: np.ndarray[Any, Any]) -> None:
        if "audio_s" not in first:
            first["audio_s"] = time.perf_counter() - wall0
            first["audio_cpu_s"] = time.process_time() - cpu0
        if encoder is not None:
            data = encoder.feed(chunk)
            if data and "mp3_s" not in first:
                first["mp3_s"] = time.perf_counter() - wall0

    song = engine.generate(job, progress, audio if stream else None)
    if encoder is not None:
        encoder.flush()
    engine_cpu = time.process_time()
    # in_place: the pipeline has no use for the pre-master stems after mastering (one set of
    # stem buffers instead of two; services/pipeline.py should pass it too).
    mastered = master(song.mix, song.stems, song.sample_rate, in_place=True)
    assert song.score is not None
    json.dumps(song.score.to_dict())
    score_to_midi(song.score)
    cpu = time.process_time() - cpu0
    stages: dict[str, float] = {}
    previous = cpu0
    for done, at in marks:
        stages[STAGES[done - 1]] = round(at - previous, 3)
        previous = at
    stages["master+mp3+score"] = round(time.process_time() - engine_cpu, 3)
    rss["master+mp3+score"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    return {
        "stream": stream,
        "audio_s": round(len(song.mix) / song.sample_rate, 2),
        "cpu_s": round(cpu, 3),
        "wall_s": round(time.perf_counter() - wall0, 3),
        "stages": stages,
        "first_audio_s": first.get("audio_s"),
        "first_mp3_s": first.get("mp3_s"),
        "first_audio_cpu_s": first.get("audio_cpu_s"),
        "peak_rss_mb_after": rss,
        "stems": sorted(song.stems),
        "mp3_kib": len(mastered.mp3) // 1024,
    }


def child(seconds: float, tags: str) -> dict[str, Any]:
    """Runs in the fresh subprocess: warm up, then the song with and without streaming."""
    import resource

    from songsmith.domain.statuses import Mode
    from songsmith.engines.builtin.engine import BuiltinEngine
    from songsmith.engines.typing import GenerationJob

    engine = BuiltinEngine()
    t0 = time.process_time()
    engine.warm_up()
    warm_cpu = time.process_time() - t0
    job = GenerationJob(
        mode=Mode.CUSTOM, seed=100, max_duration_s=seconds, lyrics=long_lyrics(), tags=tags
    )
    runs = [_one_run(engine, job, stream=True), _one_run(engine, job, stream=False)]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "warm_up_cpu_s": round(warm_cpu, 2),
        "runs": runs,
        "peak_rss_mb": round(peak_mb),
        "hugepage": os.environ.get("NUMPY_MADVISE_HUGEPAGE", "(numpy default: 1)"),
    }


def table(result: dict[str, Any]) -> str:
    streamed, plain = result["runs"]
    audio = streamed["audio_s"]
    rows = [("measure", "value", "goal", "pass")]

    def add(name: str, value: str, goal: str, ok: bool | None) -> None:
        rows.append((name, value, goal, "-" if ok is None else ("yes" if ok else "NO")))

    add("audio duration (baseline)", f"{audio:.1f} s", "180 s", None)
    add("warm-up CPU (soundfont + G2P)", f"{result['warm_up_cpu_s']:.2f} s", "-", None)
    for run, name in ((streamed, "worker CPU, streaming"), (plain, "worker CPU, no streaming")):
        add(
            name,
            f"{run['cpu_s']:.2f} s = {audio / run['cpu_s']:.1f}x real time",
            f"<= {GOAL_CPU_S:.0f} s (>= 22x)",
            run["cpu_s"] <= GOAL_CPU_S,
        )
    for stage, cpu in plain["stages"].items():
        peak = streamed["peak_rss_mb_after"].get(stage)
        add(f"  stage {stage} (no streaming)", f"{cpu:.2f} s; peak RSS after: {peak} MB", "-", None)
    add("wall time, streaming", f"{streamed['wall_s']:.2f} s", "-", None)
    first = streamed["first_audio_s"]
    add(
        "first streamed audio chunk",
        "none" if first is None else f"{first:.2f} s",
        f"< {GOAL_FIRST_AUDIO_S:.0f} s",
        first is not None and first < GOAL_FIRST_AUDIO_S,
    )
    cpu_first = streamed["first_audio_cpu_s"]
    add(
        "CPU time to first chunk",
        "none" if cpu_first is None else f"{cpu_first:.2f} s (wall above includes contention)",
        "-",
        None,
    )
    first_mp3 = streamed["first_mp3_s"]
    add(
        "first streamed mp3 bytes",
        "none" if first_mp3 is None else f"{first_mp3:.2f} s",
        f"< {GOAL_FIRST_AUDIO_S:.0f} s",
        first_mp3 is not None and first_mp3 < GOAL_FIRST_AUDIO_S,
    )
    add(
        "peak RSS of the worker process",
        f"{result['peak_rss_mb']} MB",
        f"< {GOAL_RSS_MB:.0f} MB",
        result["peak_rss_mb"] < GOAL_RSS_MB,
    )
    add("stems", ", ".join(plain["stems"]), "-", None)
    add("load average (1 min)", f"{os.getloadavg()[0]:.2f}", "-", None)
    add("NUMPY_MADVISE_HUGEPAGE", result.get("hugepage", "?"), "0 (worker env)", None)
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--tags", default="pop, female vocals")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.seconds, args.tags)))  # noqa: T201
        return
    # As the worker starts its job processes (services/worker/job_process.py ENGINE_ENV).
    env = {"NUMPY_MADVISE_HUGEPAGE": "0", **os.environ, "OMP_NUM_THREADS": "1"}
    command = [sys.executable, __file__, "--child", "--seconds", str(args.seconds)]
    done = subprocess.run(
        [*command, "--tags", args.tags], env=env, capture_output=True, text=True, check=True
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(table(result))  # noqa: T201


if __name__ == "__main__":
    main()
