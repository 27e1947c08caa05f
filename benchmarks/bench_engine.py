"""CPU time of the whole built-in engine: compose, render, sing, mix, master + mp3.

    .venv/bin/python benchmarks/bench_engine.py [--seconds 180] [--tags "pop"] [--repeat 1]

Target (builtin-engine.md): a 3-minute song with vocals, stems, score and mp3 in <= 8 s of CPU
(`time.process_time`, soundfont and voice already loaded), i.e. >= 22x real time; composition
alone well under 0.5 s. Prints the time of every stage (from the engine's progress callback), the
composition time over every genre family, and the peak RSS. The load average is printed too: on
a shared machine CPU time grows with contention.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from collections.abc import Callable

os.environ.setdefault("OMP_NUM_THREADS", "1")

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
    parts = []
    for i in range(sections):
        parts.append(f"[Verse {i // 2 + 1}]\n{VERSE}" if i % 2 == 0 else f"[Chorus]\n{CHORUS}")
    return "\n".join(parts)


def _recorder(marks: list[tuple[int, float]], start: float) -> Callable[[int, int], None]:
    def record(done: int, _total: int) -> None:
        marks.append((done, time.process_time() - start))

    return record


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--tags", default="pop, female vocals")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()

    from songsmith.domain.statuses import Mode
    from songsmith.engines.builtin.compose import compose
    from songsmith.engines.builtin.engine import BuiltinEngine
    from songsmith.engines.builtin.genres import FAMILIES
    from songsmith.engines.typing import GenerationJob
    from songsmith.media.master import master

    def job(tags: str, seed: int) -> GenerationJob:
        return GenerationJob(
            mode=Mode.CUSTOM,
            seed=seed,
            max_duration_s=args.seconds,
            lyrics=long_lyrics(),
            tags=tags,
        )

    engine = BuiltinEngine()
    t0 = time.process_time()
    engine.warm_up()
    print(f"warm-up (soundfont + G2P): {time.process_time() - t0:.2f} s CPU")  # noqa: T201

    compose(job("pop", 0))  # first call loads the singer's G2P tables
    per_family = []
    for family in FAMILIES:
        t = time.process_time()
        compose(job(family.name, 1))
        per_family.append((family.name, time.process_time() - t))
    worst = max(per_family, key=lambda x: x[1])
    mean = sum(t for _, t in per_family) / len(per_family)
    print(  # noqa: T201
        f"compose, {len(per_family)} families: mean {mean * 1000:.0f} ms, "
        f"worst {worst[0]} {worst[1] * 1000:.0f} ms"
    )

    for run in range(args.repeat):
        marks: list[tuple[int, float]] = []
        start = time.process_time()
        wall = time.perf_counter()
        song = engine.generate(
            job(args.tags, 100 + run),
            _recorder(marks, start),
        )
        generated = time.process_time() - start
        mastered = master(song.mix, song.stems, song.sample_rate)
        total = time.process_time() - start
        duration = len(song.mix) / song.sample_rate
        names = ("compose", "render", "sing lead", "sing backing", "mix", "done")
        previous = 0.0
        stages = []
        for done, at in marks:
            stages.append(f"{names[done - 1]} {at - previous:.2f}")
            previous = at
        print(f"run {run + 1}: {duration:.1f} s of audio")  # noqa: T201
        print("  stages (CPU s): " + ", ".join(stages))  # noqa: T201
        print(  # noqa: T201
            f"  engine {generated:.2f} s, master + mp3 {total - generated:.2f} s, "
            f"total {total:.2f} s CPU = {duration / total:.1f}x real time "
            f"(wall {time.perf_counter() - wall:.2f} s), mp3 {len(mastered.mp3) // 1024} KiB, "
            f"{mastered.lufs:.1f} LUFS"
        )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak_mb:.0f} MB; load average {os.getloadavg()[0]:.2f}")  # noqa: T201


if __name__ == "__main__":
    main()
