"""Audio codecs: mp3 (whole file and progressive stream), 16-bit wav, and decoding.

Delivery formats are fixed by the wire contract (suno-wire.md section 1): mp3 44.1 kHz stereo
192 kbit/s CBR, wav 44.1 kHz 16-bit stereo. mp3 is encoded by LAME through `lameenc`
(media/lame.py), decoding and resampling go through PyAV: no external binary is needed.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

import numpy as np

from songsmith.media import lame
from songsmith.media.pcm import pcm16

if TYPE_CHECKING:
    from songsmith.engines.typing import Audio

DELIVERY_RATE = 44100
MP3_BIT_RATE = 192_000
# LAME speed/quality knob (0 best .. 9 fastest). 7 (no noise shaping) costs half of LAME's default
# at 192 kbit/s with no audible loss at this bit rate; the engine's CPU budget is 8 s per song.
MP3_QUALITY = 7
_WAV_HEADER_BYTES = 44


def as_stereo(audio: Audio | np.ndarray[Any, Any]) -> Audio:
    """(samples, 2) float32, C-contiguous: mono (n,) or (n, 1) is duplicated to both sides."""
    arr = np.asarray(audio, dtype=np.float32)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(f"audio must be (samples, channels), got shape {arr.shape}")
    if arr.shape[1] == 1:
        arr = np.repeat(arr, 2, axis=1)
    elif arr.shape[1] > 2:
        arr = arr[:, :2]
    return np.ascontiguousarray(arr)


def resample(audio: Audio, sample_rate: int, target_rate: int = DELIVERY_RATE) -> Audio:
    """Polyphase resampling (deterministic, no state): used for whole files."""
    stereo = as_stereo(audio)
    if sample_rate == target_rate:
        return stereo
    from math import gcd

    from scipy.signal import resample_poly

    g = gcd(sample_rate, target_rate)
    out = resample_poly(stereo, target_rate // g, sample_rate // g, axis=0)
    return np.ascontiguousarray(out, dtype=np.float32)


def encode_wav(audio: Audio, sample_rate: int, gain: np.ndarray[Any, Any] | None = None) -> bytes:
    """44.1 kHz 16-bit stereo PCM wav. Samples beyond full scale are clipped, never wrapped.
    `gain` (per sample, at 44.1 kHz) is applied on the way: the master's curve for a stem."""
    stereo = resample(audio, sample_rate)
    frames = len(stereo)
    data_bytes = frames * 4
    buffer = bytearray(_WAV_HEADER_BYTES + data_bytes)
    buffer[:_WAV_HEADER_BYTES] = b"".join(
        [
            b"RIFF",
            struct.pack("<I", _WAV_HEADER_BYTES - 8 + data_bytes),
            b"WAVEfmt ",
            # PCM, 2 channels, rate, byte rate, block align 4, 16 bits
            struct.pack("<IHHIIHH", 16, 1, 2, DELIVERY_RATE, DELIVERY_RATE * 4, 4, 16),
            b"data",
            struct.pack("<I", data_bytes),
        ]
    )
    target = np.frombuffer(buffer, "<i2", offset=_WAV_HEADER_BYTES).reshape(frames, 2)
    pcm16(stereo, gain, out=target)
    return bytes(buffer)


def encode_mp3(audio: Audio, sample_rate: int) -> bytes:
    """A complete mp3 file (with its Info/LAME header, so decoders trim the encoder delay)."""
    stereo = resample(audio, sample_rate)
    encoder = lame.new_encoder(MP3_BIT_RATE, DELIVERY_RATE, MP3_QUALITY)
    body = bytes(encoder.encode(pcm16(stereo))) + bytes(encoder.flush())
    header = lame.info_frame(lame.count_frames(body), len(body), len(stereo), MP3_BIT_RATE)
    return header + body


class Mp3StreamEncoder:
    """Progressive mp3: each `feed` returns whole mp3 frames to append to what was sent so far.

    Raw MPEG frames with no header frame, so any prefix of the concatenation plays. The
    encoder keeps up to one frame of samples (plus LAME's look-ahead) until more arrive or `flush`.
    """

    def __init__(self, sample_rate: int) -> None:
        import av

        self._sample_rate = sample_rate
        self._encoder = lame.new_encoder(MP3_BIT_RATE, DELIVERY_RATE, MP3_QUALITY)
        self._resampler: Any = None
        if sample_rate != DELIVERY_RATE:
            self._resampler = av.AudioResampler(format="fltp", layout="stereo", rate=DELIVERY_RATE)
        self._closed = False

    def _to_delivery_rate(self, chunk: Audio | None) -> Audio:
        import av

        if self._resampler is None:
            return np.zeros((0, 2), np.float32) if chunk is None else as_stereo(chunk)
        frames: list[Any]
        if chunk is None:
            frames = self._resampler.resample(None)
        else:
            stereo = as_stereo(chunk)
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(stereo.T), format="fltp", layout="stereo"
            )
            frame.sample_rate = self._sample_rate
            frames = self._resampler.resample(frame)
        parts = [np.asarray(f.to_ndarray(), dtype=np.float32).T for f in frames]
        return np.concatenate(parts) if parts else np.zeros((0, 2), np.float32)

    def feed(self, chunk: Audio) -> bytes:
        if self._closed:
            raise RuntimeError("Mp3StreamEncoder.feed after flush")
        return bytes(self._encoder.encode(pcm16(self._to_delivery_rate(chunk))))

    def flush(self) -> bytes:
        if self._closed:
            return b""
        self._closed = True
        tail = self._to_delivery_rate(None)
        data = bytes(self._encoder.encode(pcm16(tail))) if len(tail) else b""
        return data + bytes(self._encoder.flush())


def decode_audio(
    data: bytes, formats: Collection[str] | None = None, frames_hint: int = 0
) -> tuple[Audio, int]:
    """Decode a whole file to (samples, 2) float32 at its own sample rate.

    For tests and trusted internal files only: untrusted uploads go through safe_decode.
    `formats` optionally restricts the demuxer names accepted (e.g. {"mp3", "wav"}).
    `frames_hint` (the expected length, when the caller knows it) sizes the output up front.
    """
    import av

    with av.open(io.BytesIO(data), mode="r") as container:
        if formats is not None:
            names = set(container.format.name.split(","))
            if not names & set(formats):
                raise ValueError(f"format {container.format.name!r} not allowed")
        stream = container.streams.audio[0]
        rate = int(stream.codec_context.sample_rate or stream.rate or DELIVERY_RATE)
        # mp3 decodes to planar stereo float: its planes are copied straight into the output
        # (no per-frame conversion, no list of parts concatenated at the end).
        if not frames_hint and container.duration:  # the demuxer's estimate, microseconds
            frames_hint = int(container.duration * rate / 1_000_000) + rate // 10
        out = np.empty((max(frames_hint, 4096), 2), np.float32)
        filled = 0
        resampler: Any = None
        parts: list[np.ndarray[Any, Any]] = []
        for frame in container.decode(stream):
            if (
                resampler is None
                and frame.format.name == "fltp"
                and len(frame.layout.channels) == 2
            ):
                count = frame.samples
                if filled + count > len(out):
                    out = np.concatenate([out, np.empty((len(out) + count, 2), np.float32)])
                for channel in range(2):
                    plane = np.frombuffer(memoryview(frame.planes[channel]), np.float32, count)
                    out[filled : filled + count, channel] = plane
                filled += count
                continue
            if resampler is None:  # any other sample format or layout: convert from here on
                resampler = av.AudioResampler(format="flt", layout="stereo", rate=rate)
                parts = [out[:filled]] if filled else []
            for converted in resampler.resample(frame):
                parts.append(converted.to_ndarray().reshape(-1, 2))
        if resampler is None:
            return out[:filled], rate
        for converted in resampler.resample(None):
            parts.append(converted.to_ndarray().reshape(-1, 2))
    if not parts:
        return np.zeros((0, 2), dtype=np.float32), rate
    return np.ascontiguousarray(np.concatenate(parts), dtype=np.float32), rate
