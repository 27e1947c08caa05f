"""Float audio to 16-bit PCM, in one pass: what both the wav and the mp3 encoders are fed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from songsmith.engines.typing import Audio

INT16_SCALE = 32767.0  # +1.0 maps to 32767: full scale never wraps to -32768
# Frames converted at a time: the float temporaries stay in the CPU cache, where the same steps
# over whole 3-minute arrays cost five trips through memory (and a fresh 60 MB buffer each).
_BLOCK = 1 << 15


def pcm16(
    stereo: Audio,
    gain: np.ndarray[Any, Any] | None = None,
    out: np.ndarray[Any, Any] | None = None,
) -> np.ndarray[Any, Any]:
    """(samples, 2) little-endian int16 of (samples, 2) float audio, times the per-sample `gain`
    when given: scaled by 32767, clipped at full scale, rounded. Written into `out` if given."""
    frames = len(stereo)
    if gain is not None and len(gain) != frames:
        raise ValueError(f"gain has {len(gain)} samples for {frames} frames of audio")
    result = np.empty((frames, 2), "<i2") if out is None else out
    scratch = np.empty((min(frames, _BLOCK), 2), np.float32)
    gains = np.empty(min(frames, _BLOCK), np.float32)
    scale = np.float32(INT16_SCALE)
    for start in range(0, frames, _BLOCK):
        piece = stereo[start : start + _BLOCK]
        block = scratch[: len(piece)]
        if gain is None:
            np.multiply(piece, scale, out=block)
        else:
            # per channel: broadcasting a gain column over a last axis of 2 is twice as slow
            scaled = np.multiply(gain[start : start + len(piece)], scale, out=gains[: len(piece)])
            for channel in range(2):
                np.multiply(piece[:, channel], scaled, out=block[:, channel])
        np.clip(block, -scale, scale, out=block)
        np.rint(block, out=block)
        result[start : start + len(piece)] = block
    return result
