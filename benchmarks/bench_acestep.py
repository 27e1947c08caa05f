#!/usr/bin/env python3
"""Throughput of songsmith's ACE-Step engine against the raw diffusers pipeline, same run.

Both sides use ONE pipeline object built by the raw benchmark's own builders
(`shared/tools/bench_acestep_raw.py`, copied to a temporary folder at run time and imported,
never committed here): same random weights, same device, same dtype, same settings (turbo:
8 steps, guidance 1.0, shift 3.0). The raw pipeline is timed first, uncompiled, exactly as a
user would call it (`pipe(...)`, output_type="np"); then songsmith's engine wraps the same
pipeline, compiles and warms up (timed once: the worker-start cost), and is timed on the same
request: `generate_batch` of the clips of one submit, request in, pre-master audio out (media
post-processing excluded). The raw side runs with cuDNN autotuning off, the library default
(`--raw-cudnn-benchmark` turns it on there too); the engine turns it on at load.

GPU (the issue's setting: 2 clips x 180 s, 8 steps, bf16):
    .venv-acestep/bin/python benchmarks/bench_acestep.py --device cuda --dtype bf16
CPU smoke test (tiny random model; the tests run this):
    .venv-acestep/bin/python benchmarks/bench_acestep.py --device cpu --dtype fp32 --tiny \
        --durations 10 --steps 2 --runs 1
Prints one JSON line per duration and a closing summary line; writes OUT/bench_acestep.json.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_RAW = REPO.parent / "shared" / "tools" / "bench_acestep_raw.py"


def emit(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def load_raw_bench(path: Path) -> ModuleType:
    """Import a temporary copy of the raw benchmark (it is shared material, not ours)."""
    if not path.is_file():
        sys.exit(f"raw benchmark not found at {path}; pass --raw-bench")
    folder = Path(tempfile.mkdtemp(prefix="acestep-raw-"))
    copy = folder / "bench_acestep_raw_copy.py"
    shutil.copyfile(path, copy)
    spec = importlib.util.spec_from_file_location("bench_acestep_raw_copy", copy)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--raw-bench", type=Path, default=DEFAULT_RAW)
    ap.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    ap.add_argument("--dtype", default="bf16", choices=["bf16", "fp32"])
    ap.add_argument("--tiny", action="store_true", help="tiny components (CPU smoke test)")
    ap.add_argument("--durations", default="180", help="comma list of seconds per clip")
    ap.add_argument("--batch", type=int, default=2, help="clips per submit")
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--runs", type=int, default=3, help="timed runs per side (after 1 untimed)")
    ap.add_argument(
        "--compile",
        choices=["auto", "on", "off"],
        default="auto",
        help="engine compile (auto: on for cuda)",
    )
    ap.add_argument("--compile-mode", default=None, help="torch.compile mode for the DiT")
    ap.add_argument("--cuda-graphs", action="store_true", help="CUDA graphs for the VAE decoder")
    ap.add_argument(
        "--raw-cudnn-benchmark",
        action="store_true",
        help="cuDNN autotuning for the raw side too (the engine always turns it on)",
    )
    ap.add_argument("--out", type=Path, default=REPO / ".bench" / "acestep")
    args = ap.parse_args(argv)

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if importlib.util.find_spec("songsmith") is None:  # run from a checkout without install
        sys.path.insert(0, str(REPO / "src"))
    raw = load_raw_bench(args.raw_bench)
    import torch
    from diffusers import AceStepPipeline

    from songsmith.domain.statuses import Mode
    from songsmith.engines.acestep import AceStepEngine
    from songsmith.engines.acestep.checkpoint import Preset
    from songsmith.engines.typing import GenerationJob

    cuda = args.device == "cuda"
    if cuda and not torch.cuda.is_available():
        sys.exit("CUDA not available")
    dtype = torch.bfloat16 if args.dtype == "bf16" else torch.float32
    durations = [float(d) for d in args.durations.split(",") if d.strip()]

    def now() -> float:
        if cuda:
            torch.cuda.synchronize()
        return time.perf_counter()

    if cuda:
        torch.backends.cudnn.benchmark = args.raw_cudnn_benchmark
    tokenizer = raw.build_tokenizer()
    configs = raw.component_configs(args.tiny, vocab_needed=len(tokenizer))
    components = raw.build_components(configs, args.device)
    for name, module in components.items():
        if name != "scheduler":
            module.to(device=args.device, dtype=dtype)
    pipe = AceStepPipeline(tokenizer=tokenizer, **components)
    pipe.set_progress_bar_config(disable=True)

    # Same request on both sides: the raw benchmark's caption, lyrics and metadata.
    def raw_call(duration: float, seed: int) -> Any:
        generators = [
            torch.Generator(device=args.device).manual_seed(seed + i) for i in range(args.batch)
        ]
        return pipe(
            prompt=[raw.CAPTION] * args.batch,
            lyrics=[raw.LYRICS] * args.batch,
            audio_duration=duration,
            vocal_language=raw.LANG,
            num_inference_steps=args.steps,
            guidance_scale=1.0,
            shift=3.0,
            bpm=raw.BPM,
            keyscale=raw.KEYSCALE,
            timesignature=raw.TIMESIG,
            task_type="text2music",
            output_type="np",
            generator=generators,
        ).audios

    raw_times: dict[float, list[float]] = {}
    for duration in durations:
        raw_call(duration, 0)  # untimed: allocator and cuDNN warm-up, as the raw bench does
        raw_times[duration] = []
        for run in range(args.runs):
            started = now()
            audio = raw_call(duration, run)
            raw_times[duration].append(now() - started)
        assert audio.shape[0] == args.batch

    compile_on = {"auto": None, "on": True, "off": False}[args.compile]
    spec = Preset("bench", None, args.steps, 1.0, 3.0)
    engine = AceStepEngine.from_pipeline(
        pipe,
        spec,
        device=args.device,
        compile=compile_on,
        compile_mode=args.compile_mode,
        cuda_graphs=args.cuda_graphs,
        buckets_s=durations,
        batch_size=args.batch,
    )
    started = time.perf_counter()
    runtime = engine.load()
    if not runtime.options.compile:
        runtime.warm_up(durations)  # same untimed first call the raw side had
    load_s = time.perf_counter() - started
    # tags carry the raw bench's bpm / key / metre so the engine sends the same metadata
    tags = f"{raw.CAPTION} {raw.BPM} bpm, in {raw.KEYSCALE}, {raw.TIMESIG}/4"

    def jobs(duration: float, seed: int) -> list[GenerationJob]:
        return [
            GenerationJob(
                mode=Mode.CUSTOM,
                seed=seed + i,
                max_duration_s=600.0,
                lyrics=raw.LYRICS,
                tags=tags,
                clip_index=i,
                extra={"duration_s": duration, "language": raw.LANG},
            )
            for i in range(args.batch)
        ]

    results = []
    for duration in durations:
        engine_times = []
        calls_before = runtime.timings.calls
        for run in range(args.runs):
            started = now()
            songs = engine.generate_batch(jobs(duration, run))
            engine_times.append(now() - started)
        assert len(songs) == args.batch and songs[0].mix.shape[1] == 2
        raw_s = statistics.median(raw_times[duration])
        engine_s = statistics.median(engine_times)
        record = {
            "duration_s": duration,
            "clips": args.batch,
            "steps": args.steps,
            "device": torch.cuda.get_device_name(0) if cuda else "cpu",
            "dtype": args.dtype,
            "tiny": args.tiny,
            "raw_s": raw_s,
            "engine_s": engine_s,
            "throughput_ratio": raw_s / engine_s,
            "pipeline_calls_per_submit": (runtime.timings.calls - calls_before) / args.runs,
            "raw_runs": raw_times[duration],
            "engine_runs": engine_times,
            "finite": bool(all(float(abs(s.mix).max()) < float("inf") for s in songs)),
        }
        results.append(record)
        emit(json.dumps(record))

    summary = {
        "compile": runtime.options.compile,
        "compile_mode": args.compile_mode,
        "cuda_graphs": args.cuda_graphs,
        "buckets_s": list(runtime.options.buckets_s or []),
        "warmup_s": runtime.warmup_s,
        "load_and_warmup_s": load_s,
        "torch": torch.__version__,
        "raw_cudnn_benchmark": args.raw_cudnn_benchmark,
        "min_throughput_ratio": min(r["throughput_ratio"] for r in results),
    }
    emit("summary " + json.dumps(summary))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench_acestep.json").write_text(
        json.dumps({"summary": summary, "results": results}, indent=2)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
