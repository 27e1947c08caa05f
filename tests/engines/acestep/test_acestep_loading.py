"""The real loading path (from_pretrained from a folder / the HF cache) and the compile design."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the acestep extra (torch) is not installed here")
pytest.importorskip("diffusers", reason="the acestep extra (diffusers) is not installed here")

from songsmith.domain.statuses import Mode  # noqa: E402
from songsmith.engines.acestep import AceStepEngine  # noqa: E402
from songsmith.engines.acestep.debug import build_debug_pipeline  # noqa: E402
from songsmith.engines.typing import GenerationJob  # noqa: E402

REPO = Path(__file__).resolve().parents[3]
RAW_BENCH = REPO.parent / "shared" / "tools" / "bench_acestep_raw.py"


def job(seed: int, lyrics: str, seconds: float) -> GenerationJob:
    return GenerationJob(
        mode=Mode.CUSTOM,
        seed=seed,
        max_duration_s=60.0,
        lyrics=lyrics,
        tags="rock",
        extra={"duration_s": seconds},
    )


def test_a_saved_checkpoint_loads_through_from_pretrained(tmp_path: Path) -> None:
    built = build_debug_pipeline("turbo", seed=5)
    built.save_pretrained(tmp_path / "ckpt")
    engine = AceStepEngine("default", model_path=str(tmp_path / "ckpt"), device="cpu")
    assert engine.info.is_turbo and Mode.GEN_STEM not in engine.capabilities.modes
    runtime = engine.load()
    assert type(runtime.pipe).__name__ == "AceStepPipeline"
    loaded = dict(runtime.pipe.transformer.named_parameters())
    for name, weight in built.transformer.named_parameters():
        assert torch.equal(loaded[name], weight), name
    song = engine.generate(job(1, "[Verse]\nfrom disk", 10.0), lambda d, t: None)
    assert song.mix.shape == (480000, 2) and song.metadata["model_version"] == "turbo"


def test_after_warm_up_no_request_compiles_again() -> None:
    graphs: list[int] = []

    def counting_backend(graph: Any, example_inputs: list[Any]) -> Any:
        graphs.append(len(example_inputs))  # one call per graph dynamo compiles
        return graph.forward

    engine = AceStepEngine(
        "debug-turbo",
        device="cpu",
        compile=True,
        compile_backend=counting_backend,
        buckets_s=(10.0, 12.0),
    )
    runtime = engine.load()
    assert runtime.warmup_s > 0
    warmed = len(graphs)
    assert warmed >= 4  # DiT and VAE decoder, two buckets each
    # other lyric lengths, every bucket, and a lone clip (padded to the warmed batch of two)
    engine.generate_batch([job(1, "[Verse]\nshort", 9.0), job(2, "[Verse]\nshort", 9.0)])
    engine.generate_batch([job(3, "[Verse]\n" + "a much longer line\n" * 9, 11.5)] * 2)
    lone = engine.generate(job(4, "x", 12.0), lambda d, t: None)
    assert lone.mix.shape == (12 * 48000, 2)
    assert len(graphs) == warmed


@pytest.mark.skipif(not RAW_BENCH.is_file(), reason=f"raw benchmark not at {RAW_BENCH}")
def test_benchmark_runs_on_cpu_with_tiny_models(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    done = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "bench_acestep.py"),
            "--device",
            "cpu",
            "--dtype",
            "fp32",
            "--tiny",
            "--durations",
            "10",
            "--steps",
            "2",
            "--runs",
            "1",
            "--raw-bench",
            str(RAW_BENCH),
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((tmp_path / "bench_acestep.json").read_text())
    (result,) = report["results"]
    assert result["clips"] == 2 and result["pipeline_calls_per_submit"] == 1
    assert result["finite"] and result["raw_s"] > 0 and result["engine_s"] > 0
    assert np.isclose(result["throughput_ratio"], result["raw_s"] / result["engine_s"])
    assert "summary " in done.stdout and report["summary"]["warmup_s"] > 0
