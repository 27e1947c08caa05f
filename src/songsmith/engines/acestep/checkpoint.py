"""Which ACE-Step checkpoint a preset means, where its files are, and what it can do.

Torch-free on purpose: the API process reads a checkpoint's configs (JSON) to answer "can this
engine serve that mode?" at submit, without importing torch or loading any weights.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from songsmith.domain.errors import InvalidRequest

# ACE-Step task types (diffusers' `AceStepPipeline` TASK_TYPES).
TEXT2MUSIC = "text2music"
REPAINT = "repaint"
COVER = "cover"
EXTRACT = "extract"
LEGO = "lego"
COMPLETE = "complete"
# Track-level tasks only the base model was trained on (ACE-Step 1.5: turbo and sft lack them).
TRACK_TASKS = frozenset({EXTRACT, LEGO, COMPLETE})


@dataclass(frozen=True)
class Preset:
    """A named way to run ACE-Step: which weights, and the sampler defaults for them."""

    name: str
    repo_id: str | None  # Hugging Face repo (diffusers format); None: built in code (debug)
    steps: int
    guidance_scale: float  # ignored by turbo checkpoints (guidance is distilled in)
    shift: float
    debug_variant: str | None = None  # "base" | "turbo": tiny random model built in code
    variant: str = "turbo"  # what the repo's checkpoint is, when its configs are not at hand


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset("default", "ACE-Step/acestep-v15-xl-turbo-diffusers", 8, 1.0, 3.0),
        Preset("turbo", "ACE-Step/acestep-v15-xl-turbo-diffusers", 8, 1.0, 3.0),
        Preset("base", "ACE-Step/acestep-v15-xl-base-diffusers", 32, 7.0, 3.0, variant="base"),
        # Tiny random-weight models for CPU tests: same classes, shapes scaled down.
        Preset("debug", None, 4, 3.0, 3.0, debug_variant="base"),
        Preset("debug-turbo", None, 4, 1.0, 3.0, debug_variant="turbo"),
    )
}


def preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise InvalidRequest(
            f"Unknown ACE-Step preset {name!r}; known: {', '.join(sorted(PRESETS))}."
        ) from None


@dataclass(frozen=True)
class CheckpointInfo:
    """What songsmith needs to know about a checkpoint before loading it."""

    location: str  # a local folder, or "debug:<variant>"
    model_version: str | None  # transformer config: "turbo", "base", "sft" or None
    is_turbo: bool
    has_audio_tokenizer: bool  # cover needs the 5 Hz tokenizer + detokenizer
    sample_rate: int
    latents_per_second: float

    @property
    def tasks(self) -> frozenset[str]:
        tasks = {TEXT2MUSIC, REPAINT}
        if self.has_audio_tokenizer:
            tasks.add(COVER)
        if self.model_version == "base" or (self.model_version is None and not self.is_turbo):
            tasks |= TRACK_TASKS
        return frozenset(tasks)


def declared_checkpoint_info(variant: str, location: str) -> CheckpointInfo:
    """What an ACE-Step 1.5 checkpoint of `variant` is (48 kHz VAE with a 1920-sample hop,
    tokenizer modules present), for the debug models and for an API process without weights."""
    return CheckpointInfo(
        location=location,
        model_version=variant,
        is_turbo=variant == "turbo",
        has_audio_tokenizer=True,
        sample_rate=48000,
        latents_per_second=25.0,
    )


def hf_hub_cache() -> Path:
    """The Hugging Face hub cache folder, by the same variables huggingface_hub reads."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"])
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]) / "hub"
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "huggingface" / "hub"


def cached_snapshot(repo_id: str, cache: Path | None = None, revision: str = "main") -> Path | None:
    """The snapshot folder of `repo_id` in the hub cache; None when it was never fetched."""
    repo_dir = (cache or hf_hub_cache()) / ("models--" + repo_id.replace("/", "--"))
    ref = repo_dir / "refs" / revision
    commit = ref.read_text().strip() if ref.is_file() else revision
    snapshot = repo_dir / "snapshots" / commit
    if (snapshot / "model_index.json").is_file():
        return snapshot
    snapshots = repo_dir / "snapshots"
    if revision == "main" and snapshots.is_dir():  # refs missing (copied cache): any snapshot
        for candidate in sorted(snapshots.iterdir()):
            if (candidate / "model_index.json").is_file():
                return candidate
    return None


def resolve_checkpoint(model_path: str | None, spec: Preset) -> Path:
    """A folder holding a diffusers-format ACE-Step pipeline (model_index.json at its root).

    `model_path` may be a local folder or a repo id already in the hub cache; without it, the
    preset's repo id is looked up in the cache. Weights are never downloaded here: a worker
    must not stall on a multi-GB fetch in the middle of claiming jobs.
    """
    candidates: list[str] = []
    if model_path:
        folder = Path(model_path).expanduser()
        if folder.is_dir():
            if not (folder / "model_index.json").is_file():
                raise InvalidRequest(
                    f"ACE-Step model path {str(folder)!r} has no model_index.json: expected a "
                    "diffusers-format AceStepPipeline folder."
                )
            return folder
        candidates.append(model_path)
    if spec.repo_id:
        candidates.append(spec.repo_id)
    for repo_id in candidates:
        if "/" in repo_id:
            snapshot = cached_snapshot(repo_id)
            if snapshot is not None:
                return snapshot
    raise InvalidRequest(
        f"ACE-Step weights not found: tried {candidates or ['(no path, no repo)']} as a local "
        f"folder and in the Hugging Face cache {str(hf_hub_cache())!r}. Download them first "
        "(e.g. `hf download REPO`) or pass --model-path."
    )


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    data = json.loads(path.read_text())
    return data if isinstance(data, dict) else {}


def read_checkpoint_info(folder: Path) -> CheckpointInfo:
    """Capabilities from the configs alone (model_index.json, transformer/ and vae/ configs)."""
    index = _read_json(folder / "model_index.json")
    transformer = _read_json(folder / "transformer" / "config.json")
    vae = _read_json(folder / "vae" / "config.json")

    def present(component: str) -> bool:
        entry = index.get(component)
        return isinstance(entry, list) and len(entry) == 2 and entry[0] is not None

    version = transformer.get("model_version")
    sample_rate = int(vae.get("sampling_rate", 48000))
    hop = math.prod(int(r) for r in vae.get("downsampling_ratios", [2, 4, 4, 6, 10]))
    return CheckpointInfo(
        location=str(folder),
        model_version=str(version) if version is not None else None,
        is_turbo=bool(transformer.get("is_turbo", False)) or version == "turbo",
        has_audio_tokenizer=present("audio_tokenizer") and present("audio_token_detokenizer"),
        sample_rate=sample_rate,
        latents_per_second=sample_rate / hop,
    )
