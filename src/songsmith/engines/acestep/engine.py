"""`AceStepEngine`: the Engine protocol over diffusers' `AceStepPipeline`.

Importing this module never imports torch: constructing the engine only reads the checkpoint's
JSON configs, so the API process can consult `capabilities` at submit. The pipeline is loaded
(and compiled, warmed up) by `load()`, once per worker process, or lazily by the first job.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from songsmith.domain.errors import GenerationFailed, InvalidRequest, SongsmithError
from songsmith.engines.acestep.capabilities import AceStepCapabilities, capabilities_for
from songsmith.engines.acestep.checkpoint import (
    CheckpointInfo,
    Preset,
    declared_checkpoint_info,
    read_checkpoint_info,
    resolve_checkpoint,
)
from songsmith.engines.acestep.checkpoint import preset as lookup_preset
from songsmith.engines.acestep.plan import SampleRequest, plan_job
from songsmith.engines.typing import AudioCallback, GenerationJob, ProgressCallback, Song

if TYPE_CHECKING:
    from songsmith.engines.acestep.runtime import AceStepRuntime

log = logging.getLogger(__name__)

# The worker's `--model-path`, for callers (the engine registry) that pass only a preset.
MODEL_PATH_ENV = "SONGSMITH_ACESTEP_MODEL_PATH"


class AceStepEngine:
    """ACE-Step 1.5 as a songsmith engine.

    `preset`: "default"/"turbo" (ACE-Step/acestep-v15-xl-turbo-diffusers), "base" (adds the
    extract/lego/complete tasks), "debug" / "debug-turbo" (tiny random model built in code).
    `model_path`: a local diffusers-format folder or a repo id in the Hugging Face cache
    (default: $SONGSMITH_ACESTEP_MODEL_PATH, else the preset's repo id in the cache). Without
    weights the engine still reports the preset's capabilities; `load()` then fails.
    Keyword options (worker flags): `device` ("cuda" when available), `compile` and
    `buckets_s` (on by default on CUDA), `compile_mode`, `cuda_graphs`, `warm_up` (at `load()`,
    default: when compiling), `batch_size` (2: the two clips of a submit).
    """

    name = "acestep"

    def __init__(
        self,
        preset: str = "default",
        model_path: str | None = None,
        *,
        device: str | None = None,
        compile: bool | None = None,
        compile_mode: str | None = None,
        compile_backend: str | Callable[..., Any] = "inductor",
        cuda_graphs: bool = False,
        buckets_s: Sequence[float] | None = None,
        warm_up: bool | None = None,
        batch_size: int = 2,
    ) -> None:
        self.spec = lookup_preset(preset)
        self.folder: str | None = None
        self._missing_weights: InvalidRequest | None = None
        model_path = model_path or os.environ.get(MODEL_PATH_ENV) or None
        if self.spec.debug_variant is not None:
            variant = self.spec.debug_variant
            self.info: CheckpointInfo = declared_checkpoint_info(variant, f"debug:{variant}")
        else:
            try:
                folder = resolve_checkpoint(model_path, self.spec)
            except InvalidRequest as exc:
                # An API process may run where the weights are not: it still answers "can
                # this mv do that mode?" from the preset; a worker fails at load() instead.
                self._missing_weights = exc
                self.info = declared_checkpoint_info(self.spec.variant, "missing")
            else:
                self.folder = str(folder)
                self.info = read_checkpoint_info(folder)
        self.capabilities: AceStepCapabilities = capabilities_for(
            self.info, self.spec.name, batch_size
        )
        self._runtime_options: dict[str, Any] = dict(
            device=device,
            compile=compile,
            compile_mode=compile_mode,
            compile_backend=compile_backend,
            cuda_graphs=cuda_graphs,
            buckets_s=buckets_s,
            batch_size=batch_size,
        )
        self._warm_up = warm_up
        self._runtime: AceStepRuntime | None = None

    @classmethod
    def from_pipeline(
        cls, pipe: Any, preset: str | Preset = "default", **options: Any
    ) -> AceStepEngine:
        """Wrap an already built `AceStepPipeline` (benchmarks, tests); capabilities from it."""
        engine = cls.__new__(cls)
        engine.spec = preset if isinstance(preset, Preset) else lookup_preset(preset)
        engine.folder = None
        engine._missing_weights = None
        config = pipe.transformer.config
        version = getattr(config, "model_version", None)
        engine.info = CheckpointInfo(
            location="in-memory",
            model_version=version,
            is_turbo=bool(pipe.is_turbo),
            has_audio_tokenizer=pipe.audio_tokenizer is not None
            and pipe.audio_token_detokenizer is not None,
            sample_rate=int(pipe.sample_rate),
            latents_per_second=float(pipe.latents_per_second),
        )
        engine.capabilities = capabilities_for(engine.info, engine.spec.name)
        warm_up = options.pop("warm_up", None)
        engine._runtime_options = {"pipe": pipe, **options}
        engine._warm_up = warm_up
        engine._runtime = None
        return engine

    # -- lifecycle -----------------------------------------------------------------------------

    @property
    def loaded(self) -> bool:
        return self._runtime is not None

    @property
    def warmup_s(self) -> float:
        return self._runtime.warmup_s if self._runtime is not None else 0.0

    def load(self) -> AceStepRuntime:
        """Load the weights, compile and warm up: call once at worker start (idempotent)."""
        if self._runtime is None:
            from songsmith.engines.acestep.runtime import build_runtime

            if self._missing_weights is not None:
                raise self._missing_weights

            started = time.perf_counter()
            runtime = build_runtime(self.spec, self.folder, **self._runtime_options)
            log.info(
                "acestep %s loaded from %s on %s in %.1f s (compile=%s, buckets=%s)",
                self.spec.name,
                self.info.location,
                runtime.options.device,
                time.perf_counter() - started,
                runtime.options.compile,
                runtime.options.buckets_s,
            )
            warm = runtime.options.compile if self._warm_up is None else self._warm_up
            if warm and runtime.buckets_s:
                log.info("acestep warm-up took %.1f s", runtime.warm_up())
            self._runtime = runtime
        return self._runtime

    # -- the Engine protocol -------------------------------------------------------------------

    def check(self, job: GenerationJob) -> str:
        """The ACE-Step task for `job`, or NotSupported naming the missing capability."""
        return self.capabilities.check(job)

    def generate(
        self,
        job: GenerationJob,
        progress: ProgressCallback,
        audio: AudioCallback | None = None,
    ) -> Song:
        # ACE-Step renders the whole clip at once: it never streams, so `audio` is not called.
        return self.generate_batch([job], [progress])[0]

    def generate_batch(
        self,
        jobs: Sequence[GenerationJob],
        progress: Sequence[ProgressCallback | None] | None = None,
    ) -> list[Song]:
        """Generate several clips, batching those that can share one pipeline call.

        The worker hands over the clips of one task together (the two clips of a submit have
        the same mode, text and source, and differ only in seed), so they run as one batch of
        two on the GPU: nearly the cost of one. Clips that cannot share a call (different
        modes or sources) still run in this one call, the VAE decode of one group overlapping
        the denoising of the next. `progress[i]` receives clip i's `(done, total)`.
        """
        if not jobs:
            return []
        tasks = [self.check(job) for job in jobs]  # refuse before loading anything
        runtime = self.load()
        samples: list[SampleRequest] = []
        for job, task in zip(jobs, tasks, strict=True):
            try:
                samples.append(plan_job(job, task, self.info.sample_rate, runtime.buckets_s))
            except SongsmithError as exc:
                raise GenerationFailed(exc.code, exc.message) from exc
        try:
            waveforms = runtime.run(samples, progress)
        except GenerationFailed:
            raise
        except (RuntimeError, ValueError) as exc:
            # torch/diffusers errors (out of memory, a shape the checkpoint rejects): the clip
            # fails with a sentence instead of an opaque traceback; the worker decides retries
            raise GenerationFailed("engine_error", f"ACE-Step failed: {exc}") from exc
        songs = []
        for job, sample, mix in zip(jobs, samples, waveforms, strict=True):
            metadata: dict[str, Any] = {
                "engine": self.name,
                "preset": self.spec.name,
                "model_version": self.info.model_version,
                "seed": job.seed,
                "has_vocal": not job.instrumental and sample.shape.task_type != "extract",
                "duration": mix.shape[0] / self.info.sample_rate,
                "steps": self.spec.steps,
                "bpm": sample.shape.bpm,
                "key": sample.shape.keyscale,
                "batch_size": len(jobs),
                # where this clip's stems can come from: ACE-Step's own `extract` task (base
                # checkpoints, via a gen_stem job) or analysis; no score, so no exact MIDI
                "stem_source": "extract" if "extract" in self.capabilities.tasks else "analysis",
                **sample.metadata,
            }
            if job.vocal_gender:
                metadata["vocal_gender"] = job.vocal_gender
            metadata = {k: v for k, v in metadata.items() if v is not None}
            songs.append(
                Song(
                    sample_rate=self.info.sample_rate,
                    mix=mix,
                    stems={},  # ACE-Step renders a mix: stems come from `extract` or analysis
                    score=None,
                    metadata=metadata,
                )
            )
        return songs
