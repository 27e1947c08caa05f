"""Every mode through the `debug` preset: a real (tiny, random) AceStepPipeline on CPU."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

pytest.importorskip("torch", reason="the acestep extra (torch) is not installed here")
pytest.importorskip("diffusers", reason="the acestep extra (diffusers) is not installed here")

from songsmith.domain.errors import GenerationFailed, NotSupported
from songsmith.domain.statuses import Mode
from songsmith.engines.acestep import AceStepEngine
from songsmith.engines.typing import GenerationJob, SourceMaterial

SR = 48000
LYRICS = "[Verse]\nwalking down the line\n[Chorus]\nhold on, hold on"


@pytest.fixture(scope="module")
def engine() -> Iterator[AceStepEngine]:
    engine = AceStepEngine("debug", device="cpu")
    engine.load()
    yield engine


def source(seconds: float = 14.0, sr: int = 44100) -> SourceMaterial:
    rng = np.random.default_rng(3)
    audio = (0.1 * rng.standard_normal((round(seconds * sr), 2))).astype(np.float32)
    return SourceMaterial("src-clip", audio, sr, metadata={"bpm": 100})


def clips(mode: Mode, **kw: object) -> list[GenerationJob]:
    """The two clips of one submit: same request, seeds seed and seed + 1."""
    fields: dict[str, object] = dict(
        mode=mode,
        seed=40,
        max_duration_s=240.0,
        lyrics=LYRICS,
        tags="indie pop, 110 bpm",
        extra={"duration_s": 10.0},
    )
    fields.update(kw)
    first = GenerationJob(**fields)  # type: ignore[arg-type]
    second = GenerationJob(**{**fields, "seed": 41, "clip_index": 1})  # type: ignore[arg-type]
    return [first, second]


CASES: list[tuple[str, Mode, dict[str, object], float, str]] = [
    ("custom", Mode.CUSTOM, {}, 10.0, "text2music"),
    ("inspiration", Mode.INSPIRATION, {}, 10.0, "text2music"),
    ("instrumental", Mode.INSTRUMENTAL, {"instrumental": True, "lyrics": ""}, 10.0, "text2music"),
    ("persona", Mode.ARTIST_CONSISTENCY, {"source": source(6.0)}, 10.0, "text2music"),
    ("extend", Mode.EXTEND, {"source": source(), "continue_at": 4.0}, 10.0, "repaint"),
    ("upload_extend", Mode.UPLOAD_EXTEND, {"source": source(4.0)}, 10.0, "repaint"),
    ("infill", Mode.INFILL, {"source": source(), "window": (5.0, 8.0)}, 3.0, "repaint"),
    (
        "underpainting",
        Mode.UNDERPAINTING,
        {"source": source(), "window": (2.0, 9.0)},
        7.0,
        "repaint",
    ),
    ("overpainting", Mode.OVERPAINTING, {"source": source(6.0)}, 6.0, "repaint"),
    ("cover", Mode.COVER, {"source": source(6.0)}, 6.0, "cover"),
    (
        "stem",
        Mode.GEN_STEM,
        {"source": source(6.0), "extra": {"stem_group": "drums"}},
        6.0,
        "extract",
    ),
    (
        "lego",
        Mode.OVERPAINTING,
        {"source": source(), "window": (2.0, 6.0), "extra": {"acestep_task": "lego"}},
        4.0,
        "lego",
    ),
    (
        "complete",
        Mode.UNDERPAINTING,
        {"source": source(6.0), "extra": {"acestep_task": "complete"}},
        6.0,
        "complete",
    ),
]


@pytest.mark.parametrize(
    ("mode", "fields", "seconds", "task"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_mode_runs_both_clips_in_one_batched_call(
    engine: AceStepEngine, mode: Mode, fields: dict[str, object], seconds: float, task: str
) -> None:
    runtime = engine.load()
    calls = runtime.timings.calls
    songs = engine.generate_batch(clips(mode, **fields))
    assert runtime.timings.calls == calls + 1  # the two clips shared one pipeline call
    assert len(songs) == 2
    for index, song in enumerate(songs):
        assert song.sample_rate == SR
        assert song.mix.dtype == np.float32 and song.mix.shape == (round(seconds * SR), 2)
        assert np.isfinite(song.mix).all() and np.abs(song.mix).max() <= 1.0
        assert np.abs(song.mix).max() > 0  # the model produced signal, not padding
        assert song.stems == {} and song.score is None
        assert song.metadata["engine"] == "acestep" and song.metadata["seed"] == 40 + index
        assert song.metadata["acestep_task"] == task
        assert song.metadata["stem_source"] == "extract"  # the debug preset is a base model
    assert not np.allclose(songs[0].mix, songs[1].mix)  # different seeds, different clips


def test_progress_counts_steps_then_decode_for_each_clip(engine: AceStepEngine) -> None:
    seen: dict[int, list[tuple[int, int]]] = {0: [], 1: []}
    engine.generate_batch(
        clips(Mode.CUSTOM),
        [lambda d, t: seen[0].append((d, t)), lambda d, t: seen[1].append((d, t))],
    )
    total = engine.spec.steps + 1
    for events in seen.values():
        done = [d for d, _ in events]
        assert done == sorted(done) and done[0] == 1 and done[-1] == total
        assert {t for _, t in events} == {total}


def test_a_clip_depends_on_its_seed_only_not_on_its_batch_partner(engine: AceStepEngine) -> None:
    pair = engine.generate_batch(clips(Mode.CUSTOM))
    again = engine.generate_batch(clips(Mode.CUSTOM))
    np.testing.assert_array_equal(pair[0].mix, again[0].mix)
    alone = engine.generate(clips(Mode.CUSTOM)[1], lambda d, t: None)
    np.testing.assert_allclose(alone.mix, pair[1].mix, atol=1e-4)


def test_generate_batch_groups_mixed_jobs_into_one_call_per_shape(engine: AceStepEngine) -> None:
    runtime = engine.load()
    calls = runtime.timings.calls
    jobs = clips(Mode.CUSTOM) + clips(Mode.INFILL, source=source(), window=(5.0, 8.0))
    songs = engine.generate_batch(jobs)
    assert runtime.timings.calls == calls + 2
    assert [s.mix.shape[0] for s in songs] == [10 * SR, 10 * SR, 3 * SR, 3 * SR]


def test_errors_are_clear(engine: AceStepEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(GenerationFailed, match="needs source audio") as missing:
        engine.generate_batch(clips(Mode.INFILL, window=(1.0, 3.0)))
    assert missing.value.error_type == "invalid_request"

    turbo = AceStepEngine("debug-turbo", device="cpu")
    with pytest.raises(NotSupported, match="'extract' task"):
        turbo.generate_batch(clips(Mode.GEN_STEM, source=source(6.0)))
    assert not turbo.loaded  # refused before any weights were built

    def out_of_memory(*args: object, **kwargs: object) -> object:
        raise RuntimeError("CUDA out of memory. Tried to allocate 20.00 GiB")

    monkeypatch.setattr(engine.load().pipe.transformer, "forward", out_of_memory)
    with pytest.raises(GenerationFailed, match="out of memory") as oom:
        engine.generate_batch(clips(Mode.CUSTOM))
    assert oom.value.error_type == "engine_error"
