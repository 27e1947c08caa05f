"""Decode untrusted audio (uploads) without letting FFmpeg touch anything but the given bytes.

FFmpeg's format probing would happily read an HLS playlist or an ffconcat script renamed `.mp3`
and then open the local files or URLs it names. So the container format is never probed: it is
sniffed here from magic bytes against a short allow-list and forced, the bytes are handed over as
an in-memory file (no protocol is ever opened by name), nested opens are refused by an empty
protocol whitelist, MP4 external data references are disabled, and only allow-listed audio
codecs are decoded. Size, duration x rate x channels, decode time and decoded sample count are
all bounded, checked before decoding where the header allows it.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from songsmith.domain.errors import GenerationFailed

MIB = 1024 * 1024
MAX_SAMPLE_RATE = 192_000
# Output is resampled down to at most this rate: it bounds memory (480 s of 192 kHz float stereo
# would be 740 MB) and nothing downstream renders above 48 kHz.
MAX_OUTPUT_RATE = 48_000
MIN_SAMPLE_RATE = 8_000
MAX_CHANNELS = 8
# Decoded length may exceed the limit by codec priming and rounding: 1 % + 50 ms, at most 1 s.
# MP3/AAC headers without a VBR table only estimate duration from the first frame's bit rate,
# so a header claim is trusted to refuse early only when far over; the decoded length decides.
ESTIMATED_HEADER_FACTOR = {"mp3": 2.0, "aac": 2.0}


def duration_slack_s(max_duration_s: float) -> float:
    return min(1.0, 0.01 * max_duration_s + 0.05)


ALLOWED_CODECS = frozenset(
    {
        "pcm_u8", "pcm_s16le", "pcm_s24le", "pcm_s32le", "pcm_f32le", "pcm_f64le",
        "pcm_s16be", "pcm_s24be", "pcm_alaw", "pcm_mulaw",
        "mp3", "mp3float", "flac", "vorbis", "opus", "libopus", "aac", "alac",
    }
)  # fmt: skip


class InvalidAudio(GenerationFailed):
    """The bytes are not audio songsmith accepts; the task fails with `invalid_audio`."""

    def __init__(self, message: str) -> None:
        super().__init__("invalid_audio", message)


@dataclass(frozen=True)
class SniffedFormat:
    name: str  # what we call it: wav, mp3, flac, ogg, mp4, aac
    demuxer: str  # the FFmpeg demuxer forced for it
    options: tuple[tuple[str, str], ...] = ()


_MP4_OPTIONS = (("enable_drefs", "0"), ("use_absolute_path", "0"))
FORMATS = {
    "wav": SniffedFormat("wav", "wav"),
    "mp3": SniffedFormat("mp3", "mp3"),
    "flac": SniffedFormat("flac", "flac"),
    "ogg": SniffedFormat("ogg", "ogg"),
    "mp4": SniffedFormat("mp4", "mov", _MP4_OPTIONS),
    "aac": SniffedFormat("aac", "aac"),
}
# container.format.name FFmpeg reports for each forced demuxer
_REPORTED_NAMES = {"wav", "mp3", "flac", "ogg", "mov", "mov,mp4,m4a,3gp,3g2,mj2", "aac"}

_MP3_BITRATES_KBPS = {
    # (MPEG-1?) -> bitrate table for layer III, index 1..14
    True: (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    False: (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_MP3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def _mp3_frame_length(data: bytes, at: int) -> int | None:
    """Length of the MPEG-1/2/2.5 layer III frame whose header starts at `at`, or None."""
    if at + 4 > len(data):
        return None
    b1, b2 = data[at + 1], data[at + 2]
    if data[at] != 0xFF or (b1 & 0xE0) != 0xE0:
        return None
    version = (b1 >> 3) & 0x3  # 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5, 1: reserved
    layer = (b1 >> 1) & 0x3  # 1: layer III
    bitrate_index = b2 >> 4
    rate_index = (b2 >> 2) & 0x3
    if version == 1 or layer != 1 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    mpeg1 = version == 3
    bitrate = _MP3_BITRATES_KBPS[mpeg1][bitrate_index - 1] * 1000
    rate = _MP3_RATES[version][rate_index]
    padding = (b2 >> 1) & 0x1
    return (144 if mpeg1 else 72) * bitrate // rate + padding


def _adts_frame_length(data: bytes, at: int) -> int | None:
    if at + 7 > len(data):
        return None
    if data[at] != 0xFF or (data[at + 1] & 0xF6) != 0xF0:
        return None
    length = ((data[at + 3] & 0x3) << 11) | (data[at + 4] << 3) | (data[at + 5] >> 5)
    return length if length >= 7 else None


def _two_frames(data: bytes, at: int, frame_length: Any) -> bool:
    """A frame header at `at` followed by another one (or the end of the file): one matching
    sync word is a 1 in 2000 coincidence in random bytes, two in a row are not."""
    first = frame_length(data, at)
    if first is None:
        return False
    following = at + first
    return following == len(data) or frame_length(data, following) is not None


def _id3_end(data: bytes, at: int = 0) -> int:
    """Offset after the ID3v2 tags at `at` (size: 4 syncsafe bytes, +10 with a footer)."""
    while data[at : at + 3] == b"ID3" and at + 10 <= len(data):
        size_bytes = data[at + 6 : at + 10]
        if any(b & 0x80 for b in size_bytes):
            raise InvalidAudio("The ID3 tag header is malformed.")
        size = 0
        for b in size_bytes:
            size = (size << 7) | b
        footer = 10 if data[at + 5] & 0x10 else 0
        at += 10 + size + footer
    return at


def _audio_start(data: bytes) -> int:
    """Where MPEG frames should begin: after ID3v2 tags and the zero padding encoders put after
    them (bounded, so a megabyte of zeros is not "padding")."""
    at = 0
    while True:
        after_tags = _id3_end(data, at)
        padded = after_tags
        while padded < len(data) and data[padded] == 0 and padded - after_tags < 64 * 1024:
            padded += 1
        if padded == at:
            return at
        at = padded


def _size_text(n: int) -> str:
    return f"{n / MIB:g} MiB" if n >= MIB else f"{n} bytes"


def sniff_format(data: bytes) -> SniffedFormat:
    """The allow-listed container the bytes start with, from magic bytes; else `InvalidAudio`."""
    if len(data) < 12:
        raise InvalidAudio("The file is too short to be audio.")
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return FORMATS["wav"]
    if data[:4] == b"fLaC":
        return FORMATS["flac"]
    if data[:4] == b"OggS":
        return FORMATS["ogg"]
    if data[4:8] == b"ftyp":
        return FORMATS["mp4"]
    start = _audio_start(data)
    if start >= len(data):
        raise InvalidAudio("The file holds only an ID3 tag and no audio.")
    if _two_frames(data, start, _mp3_frame_length):
        return FORMATS["mp3"]
    if _two_frames(data, start, _adts_frame_length):
        return FORMATS["aac"]
    raise InvalidAudio(
        "Unrecognised audio format: accepted are WAV, MP3, FLAC, Ogg (Vorbis/Opus), M4A/MP4 "
        "audio and AAC (ADTS)."
    )


def _check_wav_claims(data: bytes, max_duration_s: float) -> None:
    """FFmpeg quietly clamps a WAV data size that overruns the file; songsmith refuses it: a header
    claiming gigabytes it does not hold is forged or truncated, and its claimed duration counts."""
    riff_size = int.from_bytes(data[4:8], "little")
    at, byte_rate = 12, 0
    while at + 8 <= len(data):
        chunk, size = data[at : at + 4], int.from_bytes(data[at + 4 : at + 8], "little")
        if chunk == b"fmt " and size >= 16 and at + 24 <= len(data):
            byte_rate = int.from_bytes(data[at + 16 : at + 20], "little")
        if chunk == b"data":
            if byte_rate > 0 and size / byte_rate > max_duration_s + duration_slack_s(
                max_duration_s
            ):
                raise InvalidAudio(
                    f"The WAV header claims {size / byte_rate:.0f} s of audio; "
                    f"the limit is {max_duration_s:.0f} s."
                )
            held = len(data) - (at + 8)
            if size > held + held // 100 + 1024:
                raise InvalidAudio(
                    f"The WAV header claims {size} bytes of audio but the file holds {held}."
                )
            break
        at += 8 + size + (size & 1)
    if riff_size + 8 > len(data) + len(data) // 100 + 1024:
        raise InvalidAudio(
            f"The RIFF header claims {riff_size + 8} bytes; the file has {len(data)}."
        )


def _header_duration_s(container: Any, stream: Any, sample_rate: int) -> float | None:
    """The longest duration any header claims (a liar is caught by the largest claim)."""
    claims: list[float] = []
    if container.duration is not None and container.duration > 0:
        claims.append(container.duration / 1_000_000)
    if stream.duration is not None and stream.duration > 0 and stream.time_base is not None:
        claims.append(float(stream.duration * stream.time_base))
    if stream.frames and stream.codec_context.frame_size:
        claims.append(stream.frames * stream.codec_context.frame_size / sample_rate)
    return max(claims) if claims else None


def probe_and_decode(
    data: bytes,
    *,
    max_duration_s: float = 480.0,
    max_bytes: int = 50 * MIB,
    timeout_s: float = 60.0,
) -> tuple[np.ndarray[Any, np.dtype[np.float32]], int]:
    """Decode untrusted bytes to float32 stereo `(samples, 2)` at the file's own sample rate
    (rates above 48 kHz come back resampled to 48 kHz).

    Raises `InvalidAudio` for anything that is not an allow-listed, well-formed audio file within
    the limits, including a decode that runs longer than `timeout_s`.
    """
    import av

    started = time.monotonic()
    if not data:
        raise InvalidAudio("The file is empty.")
    if len(data) > max_bytes:
        raise InvalidAudio(f"The file is larger than the limit of {_size_text(max_bytes)}.")
    fmt = sniff_format(data)
    if fmt.name == "wav":
        _check_wav_claims(data, max_duration_s)
    options = {"protocol_whitelist": "none", "format_whitelist": fmt.demuxer, **dict(fmt.options)}
    try:
        container = av.open(
            io.BytesIO(data), mode="r", format=fmt.demuxer, options=options,
            metadata_errors="ignore",
        )  # fmt: skip
    except (av.FFmpegError, ValueError, OSError, UnicodeError) as exc:
        raise InvalidAudio(f"The {fmt.name} file cannot be opened: {exc}.") from None
    try:
        return _decode(container, fmt, started, max_duration_s=max_duration_s, timeout_s=timeout_s)
    except InvalidAudio:
        raise
    except (av.FFmpegError, ValueError, OSError, UnicodeError, MemoryError) as exc:
        raise InvalidAudio(f"The {fmt.name} file cannot be decoded: {exc}.") from None
    finally:
        container.close()


def _decode(
    container: Any, fmt: SniffedFormat, started: float, *, max_duration_s: float, timeout_s: float
) -> tuple[np.ndarray[Any, np.dtype[np.float32]], int]:
    import av

    if container.format.name not in _REPORTED_NAMES:
        raise InvalidAudio(f"Unexpected container {container.format.name!r}.")
    if not container.streams.audio:
        raise InvalidAudio(f"The {fmt.name} file has no audio stream.")
    stream = container.streams.audio[0]
    codec = stream.codec_context
    if codec.name not in ALLOWED_CODECS:
        raise InvalidAudio(f"The audio codec {codec.name!r} is not accepted.")
    sample_rate = int(codec.sample_rate or 0)
    channels = int(codec.channels or 0)
    if not MIN_SAMPLE_RATE <= sample_rate <= MAX_SAMPLE_RATE:
        raise InvalidAudio(f"Unsupported sample rate {sample_rate} Hz.")
    if not 1 <= channels <= MAX_CHANNELS:
        raise InvalidAudio(f"Unsupported channel count {channels}.")
    claimed = _header_duration_s(container, stream, sample_rate)
    slack = duration_slack_s(max_duration_s)
    header_limit = max_duration_s * ESTIMATED_HEADER_FACTOR.get(fmt.name, 1.0) + slack
    if claimed is not None and claimed > header_limit:
        raise InvalidAudio(
            f"The audio is {claimed:.0f} s long; the limit is {max_duration_s:.0f} s."
        )
    # Decoded output is held to the limit whatever the header said (headers can lie or be absent).
    output_rate = min(sample_rate, MAX_OUTPUT_RATE)
    max_samples = int((max_duration_s + slack) * output_rate)
    # Packed float stereo: each frame is already (samples, 2) row-major, so blocks join with no
    # transpose or per-plane stacking.
    resampler = av.AudioResampler(format="flt", layout="stereo", rate=output_rate)
    blocks: list[np.ndarray[Any, np.dtype[np.float32]]] = []
    total = 0

    def take(frames: list[Any]) -> None:
        nonlocal total
        for out in frames:
            block = out.to_ndarray().reshape(-1, 2)
            total += block.shape[0]
            if total > max_samples:
                raise InvalidAudio(f"The audio is longer than the limit of {max_duration_s:.0f} s.")
            blocks.append(block)

    for packet in container.demux(stream):
        if time.monotonic() - started > timeout_s:
            raise InvalidAudio(f"Decoding took longer than {timeout_s:g} s.")
        for frame in packet.decode():
            take(resampler.resample(frame))
    take(resampler.resample(None))
    if total == 0:
        raise InvalidAudio(f"The {fmt.name} file contains no decodable audio.")
    audio = np.concatenate(blocks, axis=0)
    if not np.isfinite(audio).all():
        raise InvalidAudio("The decoded audio contains invalid (NaN or infinite) samples.")
    return np.ascontiguousarray(audio, dtype=np.float32), output_rate


# --- the same, in a child process: hard wall-clock and address-space limits ---------------------

GIB = 1024 * MIB
CHILD_START_ALLOWANCE_S = 15.0  # a fresh interpreter importing numpy and PyAV on a busy box
_CHILD_CODE = "from songsmith.media.safe_decode import _child_main; _child_main()"


def probe_and_decode_isolated(
    data: bytes,
    *,
    max_duration_s: float = 480.0,
    max_bytes: int = 50 * MIB,
    timeout_s: float = 60.0,
    memory_limit_bytes: int = 4 * GIB,
) -> tuple[np.ndarray[Any, np.dtype[np.float32]], int]:
    """`probe_and_decode` in a child interpreter under `RLIMIT_AS`, killed at the deadline.

    For what the in-process checks cannot reach: FFmpeg looping or allocating inside a single
    call (opening a container, decoding one packet). Costs a process start (~0.5 s). A plain
    subprocess rather than multiprocessing: nothing depends on how the parent's `__main__` looks.
    """
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    if not data:
        raise InvalidAudio("The file is empty.")
    if len(data) > max_bytes:
        raise InvalidAudio(f"The file is larger than the limit of {_size_text(max_bytes)}.")
    sniff_format(data)  # the obvious refusals need no child
    limits = json.dumps(
        {"max_duration_s": max_duration_s, "max_bytes": max_bytes, "timeout_s": timeout_s,
         "memory_limit_bytes": memory_limit_bytes}
    ).encode()  # fmt: skip
    package_root = str(Path(__file__).resolve().parents[2])
    python_path = (package_root, os.environ.get("PYTHONPATH", ""))
    # One BLAS thread: its per-thread buffers would otherwise eat the address-space limit.
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(p for p in python_path if p),
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
    }
    with subprocess.Popen(
        [sys.executable, "-c", _CHILD_CODE],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
    ) as child:  # fmt: skip
        try:
            out, _ = child.communicate(
                len(limits).to_bytes(4, "big") + limits + data,
                timeout=timeout_s + CHILD_START_ALLOWANCE_S,
            )
        except subprocess.TimeoutExpired:
            child.kill()
            child.communicate()
            raise InvalidAudio(f"Decoding took longer than {timeout_s:g} s.") from None
    if out[:1] == b"O" and child.returncode == 0:
        sample_rate = int.from_bytes(out[1:5], "big")
        audio = np.frombuffer(out[5:], dtype=np.float32).reshape(-1, 2).copy()
        return audio, sample_rate
    if out[:1] == b"E":
        raise InvalidAudio(out[1:].decode("utf-8", "replace"))
    raise InvalidAudio("The decoder crashed on this file.")


def _child_main() -> None:
    """Child side: limits, bytes in on stdin; b"O" + rate + float32 samples, or b"E" + message."""
    import json
    import resource
    import sys

    stdin = sys.stdin.buffer.read()
    size = int.from_bytes(stdin[:4], "big")
    limits = json.loads(stdin[4 : 4 + size])
    data = stdin[4 + size :]
    memory = int(limits.pop("memory_limit_bytes"))
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    try:
        audio, sr = probe_and_decode(data, **limits)
    except InvalidAudio as exc:
        reply = b"E" + exc.message.encode()
    except MemoryError:
        reply = b"E" + b"Decoding needed more memory than allowed."
    else:
        reply = b"O" + sr.to_bytes(4, "big") + np.ascontiguousarray(audio).tobytes()
    sys.stdout.buffer.write(reply)
    sys.stdout.buffer.flush()
