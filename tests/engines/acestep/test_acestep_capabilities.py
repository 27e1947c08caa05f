"""Checkpoint lookup and capability checks, torch-free (the API process does exactly this)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from songsmith.domain.errors import InvalidRequest, NotSupported
from songsmith.domain.statuses import Mode
from songsmith.engines.acestep import AceStepEngine
from songsmith.engines.acestep.checkpoint import (
    cached_snapshot,
    read_checkpoint_info,
    resolve_checkpoint,
)
from songsmith.engines.acestep.checkpoint import preset as lookup_preset
from songsmith.engines.typing import GenerationJob


def write_checkpoint(folder: Path, version: str, tokenizer: bool = True) -> Path:
    """The JSON skeleton of a diffusers-format ACE-Step folder (configs only, no weights)."""
    folder.mkdir(parents=True, exist_ok=True)
    pair = ["diffusers", "AceStepAudioTokenizer"] if tokenizer else [None, None]
    index = {
        "_class_name": "AceStepPipeline",
        "transformer": ["diffusers", "AceStepTransformer1DModel"],
        "audio_tokenizer": pair,
        "audio_token_detokenizer": pair,
    }
    (folder / "model_index.json").write_text(json.dumps(index))
    (folder / "transformer").mkdir(exist_ok=True)
    config = {"model_version": version, "is_turbo": version == "turbo"}
    (folder / "transformer" / "config.json").write_text(json.dumps(config))
    (folder / "vae").mkdir(exist_ok=True)
    vae = {"sampling_rate": 48000, "downsampling_ratios": [2, 4, 4, 6, 10]}
    (folder / "vae" / "config.json").write_text(json.dumps(vae))
    return folder


def job(mode: Mode, **extra: object) -> GenerationJob:
    return GenerationJob(mode=mode, seed=1, max_duration_s=240.0, extra=dict(extra))


def test_turbo_checkpoint_serves_generation_and_repaint_but_not_track_tasks(tmp_path: Path) -> None:
    engine = AceStepEngine("default", model_path=str(write_checkpoint(tmp_path / "t", "turbo")))
    caps = engine.capabilities
    assert caps.sample_rate == 48000 and not caps.streams and not caps.has_score
    for mode in (
        Mode.CUSTOM,
        Mode.INSPIRATION,
        Mode.INSTRUMENTAL,
        Mode.ARTIST_CONSISTENCY,
        Mode.EXTEND,
        Mode.UPLOAD_EXTEND,
        Mode.INFILL,
        Mode.UNDERPAINTING,
        Mode.OVERPAINTING,
        Mode.COVER,
    ):
        assert mode in caps.modes
        engine.check(job(mode))
    assert Mode.GEN_STEM not in caps.modes
    with pytest.raises(NotSupported, match=r"'extract' task.*'turbo'") as err:
        engine.check(job(Mode.GEN_STEM))
    assert err.value.http_status == 400
    with pytest.raises(NotSupported, match="'lego' task"):
        engine.check(job(Mode.OVERPAINTING, acestep_task="lego"))
    assert not engine.loaded  # consulting capabilities loads nothing


def test_base_checkpoint_adds_extract_lego_complete(tmp_path: Path) -> None:
    engine = AceStepEngine("base", model_path=str(write_checkpoint(tmp_path / "b", "base")))
    assert {"extract", "lego", "complete"} <= engine.capabilities.tasks
    assert engine.check(job(Mode.GEN_STEM)) == "extract"
    assert engine.check(job(Mode.UNDERPAINTING, acestep_task="complete")) == "complete"


def test_cover_needs_the_audio_tokenizer(tmp_path: Path) -> None:
    folder = write_checkpoint(tmp_path / "n", "turbo", tokenizer=False)
    engine = AceStepEngine("default", model_path=str(folder))
    with pytest.raises(NotSupported, match="'cover' task"):
        engine.check(job(Mode.COVER))


def test_modes_the_engine_never_generates_are_refused() -> None:
    engine = AceStepEngine("debug")
    with pytest.raises(NotSupported, match="concat"):
        engine.check(job(Mode.CONCAT))


def test_repo_id_resolves_from_the_hugging_face_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "hub"
    repo = cache / "models--ACE-Step--acestep-v15-xl-base-diffusers"
    write_checkpoint(repo / "snapshots" / "abc123", "base")
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text("abc123\n")
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    assert (
        cached_snapshot("ACE-Step/acestep-v15-xl-base-diffusers") == repo / "snapshots" / "abc123"
    )
    # no model_path: the preset's repo id is looked up in the cache
    engine = AceStepEngine("base")
    assert engine.folder == str(repo / "snapshots" / "abc123")
    assert engine.info.model_version == "base"


def test_missing_weights_and_bad_folders_fail_with_a_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.delenv("SONGSMITH_ACESTEP_MODEL_PATH", raising=False)
    # an API process without the weights still answers from the preset (turbo: no extract)...
    engine = AceStepEngine("default")
    assert Mode.CUSTOM in engine.capabilities.modes
    assert Mode.GEN_STEM not in engine.capabilities.modes
    assert Mode.GEN_STEM in AceStepEngine("base").capabilities.modes
    # ...and a worker fails at load, before claiming anything
    with pytest.raises(InvalidRequest, match=r"weights not found.*--model-path"):
        engine.load()
    (tmp_path / "nothing").mkdir()
    with pytest.raises(InvalidRequest, match=r"no model_index\.json"):
        resolve_checkpoint(str(tmp_path / "nothing"), lookup_preset("default"))
    with pytest.raises(InvalidRequest, match="Unknown ACE-Step preset"):
        AceStepEngine("huge")


def test_model_path_comes_from_the_environment_when_not_passed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "SONGSMITH_ACESTEP_MODEL_PATH", str(write_checkpoint(tmp_path / "e", "base"))
    )
    engine = AceStepEngine(preset="default")  # how the engine registry builds it
    assert engine.folder == str(tmp_path / "e") and "extract" in engine.capabilities.tasks


def test_checkpoint_info_reads_the_vae_frame_rate(tmp_path: Path) -> None:
    info = read_checkpoint_info(write_checkpoint(tmp_path / "c", "sft"))
    assert info.latents_per_second == 25.0
    assert info.tasks == {"text2music", "repaint", "cover"}


def test_importing_the_engine_and_reading_capabilities_never_imports_torch() -> None:
    code = (
        "import sys\n"
        "from songsmith.engines.acestep import AceStepEngine\n"
        "engine = AceStepEngine('debug')\n"
        "assert engine.capabilities.modes\n"
        "heavy = [m for m in ('torch', 'diffusers', 'transformers') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
