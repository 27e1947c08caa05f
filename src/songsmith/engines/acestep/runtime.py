"""The loaded ACE-Step pipeline of one worker and how requests run on it (imports torch).

Speed design (issue 6), all paid once at worker start:
- `torch.compile` of the DiT forward and the VAE decoder forward. Shapes are kept static per
  *duration bucket* (requests are padded up to a bucket and cut back), so warming up a few
  buckets at start means no request ever waits for a compile. The one shape that varies per
  request, the conditioning length (caption + lyric tokens), is marked dynamic instead of
  padded, because the DiT's cross-attention has no padding mask and extra tokens would change
  the music.
- The batch is padded to `batch_size` (2: the two clips of a submit) under compile, so a lone
  clip (a retry) reuses the warmed graphs instead of compiling new ones.
- Optional CUDA graphs ("reduce-overhead") for the VAE decoder, whose shapes are fully static.
- The VAE decode of one pipeline call runs on a side CUDA stream while the next call's
  denoising is queued on the main stream (several calls per `run`: different modes or more
  clips than one batch).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from songsmith.engines.acestep.checkpoint import TEXT2MUSIC, Preset
from songsmith.engines.acestep.plan import CallShape, SampleRequest
from songsmith.engines.typing import Audio, ProgressCallback

log = logging.getLogger(__name__)

DEFAULT_BUCKETS_S = (30.0, 60.0, 120.0, 180.0, 240.0)
WARMUP_CAPTION = "warm-up: pop song with piano, drums, bass and a clear female vocal"
WARMUP_LYRICS = "[Verse]\n" + "\n".join(["singing a line that is about this long"] * 12)


@dataclass
class RuntimeOptions:
    device: str = "cpu"
    compile: bool = False
    compile_mode: str | None = (
        None  # torch.compile mode for the DiT, e.g. "max-autotune-no-cudagraphs"
    )
    compile_backend: str | Callable[..., Any] = "inductor"
    cuda_graphs: bool = False  # VAE decoder with CUDA graphs
    buckets_s: Sequence[float] | None = None  # pad durations to these (on by default with compile)
    batch_size: int = 2


@dataclass
class CallTimings:
    denoise_s: float = 0.0  # host time to enqueue + run conditioning and the DiT loop
    decode_s: float = 0.0  # VAE decode, including the wait for the device
    calls: int = 0


@dataclass
class _Pending:
    indices: list[int]
    samples: list[SampleRequest]
    audio: Any  # torch.Tensor (B, 2, T) float32, possibly still being computed on a side stream
    stream: Any = None
    progress: list[ProgressCallback] = field(default_factory=list)


def _resolve_device(requested: str | None) -> str:
    import torch

    if requested:
        return requested
    return "cuda" if torch.cuda.is_available() else "cpu"


def load_pipeline(folder: str, device: str) -> Any:
    """`AceStepPipeline.from_pretrained` from a local folder, bf16 on CUDA (fp32 on CPU)."""
    import torch
    from diffusers import AceStepPipeline

    dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
    pipe = AceStepPipeline.from_pretrained(folder, dtype=dtype, local_files_only=True)
    pipe.to(device)
    pipe.set_progress_bar_config(disable=True)
    return pipe


class AceStepRuntime:
    """One pipeline, compiled once, shared by every job of the worker process."""

    def __init__(self, pipe: Any, spec: Preset, options: RuntimeOptions) -> None:
        self.pipe = pipe
        self.spec = spec
        self.options = options
        self.sample_rate = int(pipe.sample_rate)
        self.timings = CallTimings()
        self.warmup_s = 0.0
        self._prompt_duration: float | None = None
        self._decode_stream: Any = None
        self._override_prompt_duration()
        if options.compile:
            self._compile()
        if options.device.startswith("cuda"):
            import torch

            self._decode_stream = torch.cuda.Stream(device=options.device)
            # shapes repeat (buckets), so cuDNN's per-shape autotuning of the VAE convs pays off
            torch.backends.cudnn.benchmark = True

    @property
    def buckets_s(self) -> Sequence[float] | None:
        return self.options.buckets_s

    # -- setup ---------------------------------------------------------------------------------

    def _override_prompt_duration(self) -> None:
        """Let the caption announce the asked duration while the latents span the bucket."""
        original = self.pipe.encode_prompt

        def encode_prompt(*args: Any, **kwargs: Any) -> Any:
            if self._prompt_duration is not None and "audio_duration" in kwargs:
                kwargs["audio_duration"] = self._prompt_duration
            return original(*args, **kwargs)

        self.pipe.encode_prompt = encode_prompt

    def _compile(self) -> None:
        import torch
        import torch._dynamo

        # Static shapes except where marked: a second bucket must compile a second static
        # graph, not turn the sequence length symbolic (slower kernels for every request).
        torch._dynamo.config.automatic_dynamic_shapes = False
        torch._dynamo.config.cache_size_limit = max(torch._dynamo.config.cache_size_limit, 64)
        options = self.options
        kwargs: dict[str, Any] = {"backend": options.compile_backend}
        if options.compile_mode and options.compile_backend == "inductor":
            kwargs["mode"] = options.compile_mode
        transformer = self.pipe.transformer
        compiled_dit = torch.compile(transformer.forward, **kwargs)

        def dit_forward(*args: Any, **kw: Any) -> Any:
            conditioning = kw.get("encoder_hidden_states")
            if conditioning is not None:
                torch._dynamo.maybe_mark_dynamic(conditioning, 1)
            return compiled_dit(*args, **kw)

        transformer.forward = dit_forward
        vae_kwargs = dict(kwargs)
        if options.cuda_graphs and options.compile_backend == "inductor":
            vae_kwargs["mode"] = "reduce-overhead"
        decoder = self.pipe.vae.decoder
        decoder.forward = torch.compile(decoder.forward, **vae_kwargs)

    def warm_up(self, buckets_s: Sequence[float] | None = None) -> float:
        """Run every bucket once at the padded batch size, so the compiles happen now."""
        buckets = list(buckets_s if buckets_s is not None else (self.buckets_s or ()))
        started = time.perf_counter()
        for bucket in buckets:
            shape = CallShape(TEXT2MUSIC, float(bucket), float(bucket))
            samples = [
                SampleRequest(
                    shape, WARMUP_CAPTION, WARMUP_LYRICS, "en", seed, (0.0, float(bucket))
                )
                for seed in range(self.options.batch_size)
            ]
            bucket_started = time.perf_counter()
            self.run(samples)
            log.info(
                "acestep warm-up %.0f s bucket: %.1f s",
                bucket,
                time.perf_counter() - bucket_started,
            )
        self.warmup_s = time.perf_counter() - started
        return self.warmup_s

    # -- running -------------------------------------------------------------------------------

    def run(
        self,
        samples: Sequence[SampleRequest],
        progress: Sequence[ProgressCallback | None] | None = None,
    ) -> list[Audio]:
        """Generate every sample; samples of equal `CallShape` share one batched pipeline call."""
        callbacks = list(progress) if progress is not None else [None] * len(samples)
        groups: dict[CallShape, list[int]] = {}
        for index, sample in enumerate(samples):
            groups.setdefault(sample.shape, []).append(index)
        pending: list[_Pending] = []
        size = max(1, self.options.batch_size)
        for indices in groups.values():
            for start in range(0, len(indices), size):
                chunk = indices[start : start + size]
                chunk_progress = [cb for cb in (callbacks[i] for i in chunk) if cb is not None]
                latents = self._denoise([samples[i] for i in chunk], chunk_progress)
                pending.append(self._start_decode(chunk, [samples[i] for i in chunk], latents))
                pending[-1].progress = chunk_progress
        results: list[Audio | None] = [None] * len(samples)
        for item in pending:
            for index, audio in zip(item.indices, self._finish(item), strict=True):
                results[index] = audio
        return [audio for audio in results if audio is not None]

    def _denoise(self, samples: list[SampleRequest], progress: list[ProgressCallback]) -> Any:
        import torch

        started = time.perf_counter()
        shape = samples[0].shape
        if self.options.compile and len(samples) < self.options.batch_size:
            # pad with throw-away samples: same shapes as warmed, no compile for a lone clip
            filler = samples[-1]
            samples = samples + [
                SampleRequest(
                    filler.shape,
                    filler.prompt,
                    filler.lyrics,
                    filler.language,
                    filler.seed + 7919 * (k + 1),
                    filler.crop_s,
                )
                for k in range(self.options.batch_size - len(samples))
            ]
        device = self.options.device
        steps = self.spec.steps
        total = steps + 1  # + the decode

        def on_step_end(
            pipe: Any, step: int, timestep: Any, tensors: dict[str, Any]
        ) -> dict[str, Any]:
            for callback in progress:
                callback(step + 1, total)
            return {}

        kwargs: dict[str, Any] = dict(
            prompt=[s.prompt for s in samples],
            lyrics=[s.lyrics for s in samples],
            vocal_language=[s.language for s in samples],
            audio_duration=shape.audio_duration_s,
            num_inference_steps=steps,
            guidance_scale=self.spec.guidance_scale,
            shift=self.spec.shift,
            # one generator per clip: a clip's noise depends on its own seed only, so a clip
            # is reproducible whichever partner it was batched with
            generator=[torch.Generator(device=device).manual_seed(s.seed) for s in samples],
            output_type="latent",
            callback_on_step_end=on_step_end,
            task_type=shape.task_type,
            bpm=shape.bpm,
            keyscale=shape.keyscale,
            timesignature=shape.timesignature,
            track_name=shape.track_name,
            complete_track_classes=list(shape.complete_track_classes or []) or None,
            audio_cover_strength=shape.cover_strength,
        )
        if shape.repaint is not None:
            kwargs["repainting_start"], kwargs["repainting_end"] = shape.repaint
        first = samples[0]
        if first.src_audio is not None:
            kwargs["src_audio"] = self._to_tensor(first.src_audio)
        if first.reference_audio is not None:
            kwargs["reference_audio"] = self._to_tensor(first.reference_audio)
        self._prompt_duration = shape.prompt_duration_s
        try:
            latents = self.pipe(**kwargs).audios
        finally:
            self._prompt_duration = None
        self.timings.denoise_s += time.perf_counter() - started
        self.timings.calls += 1
        return latents  # filler rows included: the decoder was warmed at the padded batch

    def _to_tensor(self, audio: Audio) -> Any:
        import torch

        # (samples, 2) numpy -> (2, samples) on the device, as the pipeline expects
        return torch.from_numpy(np.ascontiguousarray(audio.T)).to(self.options.device)

    def _start_decode(
        self, indices: list[int], samples: list[SampleRequest], latents: Any
    ) -> _Pending:
        import torch

        vae = self.pipe.vae
        started = time.perf_counter()
        stream = self._decode_stream
        if self.options.cuda_graphs:
            # a CUDA-graph replay reuses its output buffers: mark a new step, copy out below
            torch.compiler.cudagraph_mark_step_begin()
        if stream is None:
            with torch.no_grad():
                decoded = vae.decode(latents.transpose(1, 2).to(vae.dtype)).sample
                audio = decoded.to(dtype=torch.float32, copy=True)
        else:
            stream.wait_stream(torch.cuda.current_stream(self.options.device))
            latents.record_stream(stream)
            with torch.no_grad(), torch.cuda.stream(stream):
                decoded = vae.decode(latents.transpose(1, 2).to(vae.dtype)).sample
                audio = decoded.to(dtype=torch.float32, copy=True)
        self.timings.decode_s += time.perf_counter() - started
        return _Pending(indices, samples, audio, stream)

    def _finish(self, item: _Pending) -> list[Audio]:
        import torch

        started = time.perf_counter()
        if item.stream is not None:
            torch.cuda.current_stream(self.options.device).wait_stream(item.stream)
        audio = item.audio
        # anti-clip only: loudness is media/'s job (one master for every engine)
        peak = audio.abs().amax(dim=(1, 2), keepdim=True).clamp(min=1.0)
        host = (audio / peak).cpu().numpy()
        self.timings.decode_s += time.perf_counter() - started
        out: list[Audio] = []
        for sample, waveform in zip(item.samples, host[: len(item.samples)], strict=True):
            out.append(self._crop(sample, waveform))
        for callback in item.progress:
            callback(self.spec.steps + 1, self.spec.steps + 1)
        return out

    def _crop(self, sample: SampleRequest, waveform: Any) -> Audio:
        sr = self.sample_rate
        start = round(sample.crop_s[0] * sr)
        end = min(round(sample.crop_s[1] * sr), waveform.shape[-1])
        clip = np.ascontiguousarray(waveform[:, start:end].T, dtype=np.float32)
        fade = min(round(sample.fade_out_s * sr), clip.shape[0])
        if fade > 0:
            clip[-fade:] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)[:, None]
        return clip


def build_runtime(
    spec: Preset,
    folder: str | None,
    *,
    device: str | None = None,
    compile: bool | None = None,
    compile_mode: str | None = None,
    compile_backend: str | Callable[..., Any] = "inductor",
    cuda_graphs: bool = False,
    buckets_s: Sequence[float] | None = None,
    batch_size: int = 2,
    pipe: Any = None,
) -> AceStepRuntime:
    """Load (or wrap `pipe`) and compile; compile and buckets default on for CUDA only."""
    resolved = _resolve_device(device)
    on_gpu = resolved.startswith("cuda")
    if pipe is None:
        if spec.debug_variant is not None:
            from songsmith.engines.acestep.debug import build_debug_pipeline

            pipe = build_debug_pipeline(spec.debug_variant)
            if on_gpu:
                import torch

                pipe.to(resolved, torch.bfloat16)
        else:
            assert folder is not None
            pipe = load_pipeline(folder, resolved)
    do_compile = on_gpu if compile is None else compile
    options = RuntimeOptions(
        device=resolved,
        compile=do_compile,
        compile_mode=compile_mode,
        compile_backend=compile_backend,
        cuda_graphs=cuda_graphs,
        buckets_s=buckets_s
        if buckets_s is not None
        else (DEFAULT_BUCKETS_S if do_compile else None),
        batch_size=batch_size,
    )
    return AceStepRuntime(pipe, spec, options)
