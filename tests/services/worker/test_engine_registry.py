"""The engine registry and the testing engine it serves to the test suite."""

from __future__ import annotations

import numpy as np
import pytest

from songsmith.config import Settings
from songsmith.domain.errors import GenerationFailed
from songsmith.domain.statuses import Mode
from songsmith.engines.registry import EngineRegistry, EngineUnavailable
from songsmith.engines.testing import TestingEngine, parse_knobs
from songsmith.engines.typing import Audio, GenerationJob


def test_get_is_lazy_and_cached(settings: Settings) -> None:
    registry = EngineRegistry(settings)
    first = registry.get("testing", "default")
    assert isinstance(first, TestingEngine)
    assert registry.get("testing") is first
    assert registry.get("testing", "fast") is not first
    assert registry.capabilities("testing").streams is True
    assert Mode.EXTEND in registry.capabilities("testing").modes


def test_unknown_or_missing_engines_are_clear(settings: Settings) -> None:
    registry = EngineRegistry(settings)
    with pytest.raises(EngineUnavailable, match="Unknown engine 'nope'"):
        registry.get("nope")
    registry.register("ghost", "songsmith.engines.no_such_module:Ghost")
    assert registry.available("ghost") is False
    with pytest.raises(EngineUnavailable, match="not installed"):
        registry.capabilities("ghost")


def job(**kw: object) -> GenerationJob:
    values: dict[str, object] = {"mode": Mode.CUSTOM, "seed": 3, "max_duration_s": 240.0}
    values.update(kw)
    return GenerationJob(**values)  # type: ignore[arg-type]


def test_testing_engine_is_deterministic_streams_and_stems_sum() -> None:
    engine = TestingEngine()
    chunks: list[Audio] = []
    steps: list[tuple[int, int]] = []
    song = engine.generate(
        job(lyrics="[Verse]\nla la la"), lambda d, t: steps.append((d, t)), chunks.append
    )
    again = TestingEngine().generate(job(lyrics="[Verse]\nla la la"), lambda d, t: None)
    assert np.array_equal(song.mix, again.mix)
    assert song.mix.dtype == np.float32 and song.mix.shape[1] == 2
    assert np.allclose(np.concatenate(chunks), song.mix)
    assert steps[-1][0] == steps[-1][1] and [d for d, _ in steps] == sorted(d for d, _ in steps)
    residual = song.mix - np.sum(list(song.stems.values()), axis=0)
    assert float(np.abs(residual).max()) < 1e-5
    assert [w.word.strip() for w in song.words] == ["la", "la", "la"]
    assert song.score is not None and song.score.duration_s == pytest.approx(2.0)
    other = TestingEngine().generate(job(seed=4), lambda d, t: None)
    assert not np.array_equal(other.mix, TestingEngine().generate(job(), lambda d, t: None).mix)


def test_knobs_from_tags_and_extra() -> None:
    knobs = parse_knobs(job(tags="pop, testing:slow=1.5 testing:fail", extra={"testing": {"x": 1}}))
    assert knobs == {"slow": "1.5", "fail": True, "x": 1}
    with pytest.raises(GenerationFailed):
        TestingEngine().generate(job(tags="testing:fail"), lambda d, t: None)
    with pytest.raises(RuntimeError):
        TestingEngine().generate(job(extra={"testing": {"error": True}}), lambda d, t: None)
    song = TestingEngine().generate(
        job(tags="testing:duration=1", instrumental=True, lyrics="ignored words"), lambda d, t: None
    )
    assert len(song.mix) == 44100 and "vocals" not in song.stems
