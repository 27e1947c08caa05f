#!/usr/bin/env python3
"""CPU time of the built-in engine's edit modes, against a plain generation in the same run.

Goal (issue 4): an extend that adds 60 s of music costs <= 3 s of CPU (`time.process_time`,
soundfont and voice already loaded). The baseline is a custom-mode song of about the same length
from the same lyrics, timed in the same process, so the ratio holds on any machine.

    .venv/bin/python benchmarks/bench_modes.py [--runs 3] [--seconds 60]

Prints one JSON line per measurement and a closing summary line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")

SOURCE_LYRICS = "[Verse]\nSunlight on the water\nI can hear you calling\n\n[Chorus]\nCome home\n"
VERSE = [
    "Every road I wander leads me back to you",
    "Every song I whisper tells me something true",
    "Underneath the city lights I find my way",
    "Holding on to every word you used to say",
]
CHORUS = ["Hold the line, hold the line", "We will find the morning light"]


def lyrics_for(seconds: float) -> str:
    """More verse/chorus pairs than `seconds` holds: the duration cap trims the form to it."""
    blocks = []
    for _ in range(max(1, round(seconds / 20))):
        blocks.append("[Verse]\n" + "\n".join(VERSE))
        blocks.append("[Chorus]\n" + "\n".join(CHORUS))
    return "\n\n".join(blocks)


def timed(run: Callable[[], Any]) -> tuple[float, float, Any]:
    cpu, wall = time.process_time(), time.perf_counter()
    result = run()
    return time.process_time() - cpu, time.perf_counter() - wall, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()

    from songsmith.domain.statuses import Mode
    from songsmith.engines.builtin.engine import BuiltinEngine
    from songsmith.engines.builtin.modes import extend_song, infill_song
    from songsmith.engines.typing import GenerationJob, SourceMaterial

    engine = BuiltinEngine()
    engine.warm_up()
    source_song = engine.generate(
        GenerationJob(Mode.CUSTOM, seed=5, max_duration_s=40.0, lyrics=SOURCE_LYRICS, tags="pop"),
        lambda _d, _t: None,
    )
    source = SourceMaterial(
        "bench-source",
        source_song.mix,
        source_song.sample_rate,
        source_song.score,
        source_song.stems,
        dict(source_song.metadata, tags="pop"),
    )
    lyrics = lyrics_for(args.seconds)
    cases: dict[str, Callable[[int], Any]] = {
        "baseline_generate": lambda seed: engine.generate(
            GenerationJob(
                Mode.CUSTOM, seed=seed, max_duration_s=args.seconds, lyrics=lyrics, tags="pop"
            ),
            lambda _d, _t: None,
        ),
        "extend": lambda seed: extend_song(
            GenerationJob(
                Mode.EXTEND,
                seed=seed,
                max_duration_s=args.seconds,
                lyrics=lyrics,
                source=source,
                continue_at=10.0,
            )
        ),
        "infill_8s": lambda seed: infill_song(
            GenerationJob(
                Mode.INFILL,
                seed=seed,
                max_duration_s=args.seconds,
                lyrics=CHORUS[0],
                source=source,
                window=(8.0, 16.0),
            )
        ),
    }
    summary: dict[str, dict[str, float]] = {}
    for name, case in cases.items():
        cpus, audio_s = [], 0.0
        for run in range(args.runs):
            cpu, wall, song = timed(partial(case, 100 + run))
            audio_s = len(song.mix) / song.sample_rate
            cpus.append(cpu)
            line = {"case": name, "run": run, "cpu_s": round(cpu, 3), "wall_s": round(wall, 3)}
            print(json.dumps({**line, "audio_s": round(audio_s, 2)}))  # noqa: T201
        median = statistics.median(cpus)
        summary[name] = {
            "cpu_s_median": round(median, 3),
            "audio_s": round(audio_s, 2),
            "x_realtime": round(audio_s / median, 1) if median else 0.0,
        }
    extend_cpu = summary["extend"]["cpu_s_median"]
    result = {
        "summary": summary,
        "extend_vs_baseline": round(extend_cpu / summary["baseline_generate"]["cpu_s_median"], 3),
        "extend_goal_cpu_s": 3.0,
        "extend_meets_goal": extend_cpu <= 3.0,
    }
    print(json.dumps(result))  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
