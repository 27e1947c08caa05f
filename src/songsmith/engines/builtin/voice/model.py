"""The singer's acoustic model: hibari-tts 0.2.1's bundled voice with its phoneme durations exposed.

Loaded once per process. The recipe in `voice/` depends on this exact graph (the `/Clip_output_0`
duration tensor, the five spectral outputs), so the file's sha256 is checked at load.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from songsmith.engines.builtin.voice.graph_output import with_extra_output

HIBARI_VERSION = "0.2.1"
HIBARI_MODEL_SHA256 = "5f70741d4e900f4e85d0037498736cc1b3e1b9a63a13546a5da1e63abf4fccd8"
DURATION_TENSOR = "/Clip_output_0"  # per-phoneme durations, in units of 2 frames
FRAMES_PER_DURATION_UNIT = 2
ACOUSTIC_LEAD_FRAMES = 4  # the spectra run this many frames ahead of the duration grid
FRAME_S = 0.0125  # 300 samples at 24 kHz
SAMPLE_RATE = 24000
SPEECH_SPEED = 0.85  # a little slower than speech: longer vowels stretch with fewer artefacts

FloatArray = npt.NDArray[np.float32]


class SingerModelError(RuntimeError):
    """The installed hibari model is not the one the singing recipe was measured on."""


@dataclass(frozen=True)
class Acoustics:
    """One model run: per-frame spectral parameters ([601, F] each), speech F0 [F], and the
    start frame of every input id (F0 and spectra already aligned: the lead is subtracted)."""

    lh: FloatArray
    theta: FloatArray
    ln: FloatArray
    lr: FloatArray
    phi: FloatArray
    f0: FloatArray
    token_start_frame: npt.NDArray[np.float64]  # len(ids) + 1 boundaries, last = end of last id

    @property
    def frames(self) -> int:
        return int(self.lh.shape[1])


class SingerModel:
    """hibari's ONNX session (single-threaded: identical input gives identical bytes)."""

    def __init__(self, model_bytes: bytes, vocab: dict[str, int]) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        patched = with_extra_output(model_bytes, DURATION_TENSOR)
        self._session = ort.InferenceSession(patched, options, providers=["CPUExecutionProvider"])
        self.vocab = vocab
        self._lock = threading.Lock()

    def ids(self, phonemes: str) -> list[int]:
        """Model ids of the characters the vocabulary knows (others are not sung)."""
        return [self.vocab[ch] for ch in phonemes if ch in self.vocab]

    def run(self, ids: list[int], speed: float = SPEECH_SPEED) -> Acoustics:
        """Acoustics of `ids` (without the 0 pads: they are added here, and reported as the
        first and last entries of `token_start_frame`'s grid)."""
        padded = np.asarray([[0, *ids, 0]], np.int64)
        with self._lock:
            outputs: list[Any] = self._session.run(
                None, {"ids": padded, "speed": np.asarray([speed], np.float32)}
            )
        lh, theta, ln, lr, phi, f0 = (np.asarray(o[0], np.float32) for o in outputs[:6])
        durations = np.asarray(outputs[6], np.float64).reshape(-1) * FRAMES_PER_DURATION_UNIT
        grid = np.concatenate([[0.0], np.cumsum(durations)])
        starts = np.clip(grid - ACOUSTIC_LEAD_FRAMES, 0.0, float(lh.shape[1]))
        return Acoustics(lh, theta, ln, lr, phi, f0, starts)


def _hibari_assets() -> Path:
    import hibari

    return Path(hibari.__file__).parent / "assets"


@lru_cache(maxsize=1)
def load_singer_model() -> SingerModel:
    """The bundled voice, checked against the pinned hash; loaded once per process."""
    import json
    from importlib.metadata import version

    installed = version("hibari-tts")
    if installed != HIBARI_VERSION:
        raise SingerModelError(
            f"hibari-tts {installed} is installed but the singing recipe is pinned to "
            f"{HIBARI_VERSION}: reinstall hibari-tts=={HIBARI_VERSION}"
        )
    assets = _hibari_assets()
    model_bytes = (assets / "hibari.onnx").read_bytes()
    digest = hashlib.sha256(model_bytes).hexdigest()
    if digest != HIBARI_MODEL_SHA256:
        raise SingerModelError(
            f"hibari's bundled model has sha256 {digest}, expected {HIBARI_MODEL_SHA256}: "
            "the singing recipe depends on that exact graph"
        )
    vocab = json.loads((assets / "vocab.json").read_text(encoding="utf-8"))
    return SingerModel(model_bytes, vocab)
