"""Hostile "audio" uploads, generated on the fly (no binary fixtures).

Each entry is (name, bytes, probe_and_decode keyword overrides). Every one must end in
`InvalidAudio`, touch no local file and open no connection. Entries that point somewhere point at
the canaries (a FIFO standing in for a local secret, a counting TCP listener).
"""

from __future__ import annotations

import io
import struct
from typing import Any

import numpy as np

Entry = tuple[str, bytes, dict[str, Any]]

SR = 44100


def _tone(seconds: float, channels: int = 2, sr: int = SR) -> np.ndarray[Any, Any]:
    t = np.arange(int(seconds * sr)) / sr
    mono = (0.3 * np.sin(2 * np.pi * 440.0 * t)).astype(np.float32)
    return np.repeat(mono[:, None], channels, axis=1)


def soundfile_bytes(fmt: str, seconds: float = 1.0, subtype: str | None = None) -> bytes:
    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, _tone(seconds), SR, format=fmt, subtype=subtype)
    return buf.getvalue()


def pyav_bytes(container: str, codec: str, seconds: float = 1.0, rate: int = SR) -> bytes:
    import av

    buf = io.BytesIO()
    with av.open(buf, "w", format=container) as out:
        stream: Any = out.add_stream(codec, rate=rate, layout="stereo")
        planar = np.ascontiguousarray(_tone(seconds, sr=rate).T)
        frame = av.AudioFrame.from_ndarray(planar, format="fltp", layout="stereo")
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()


def wav_header(
    *,
    data_size: int,
    fmt_tag: int = 1,
    channels: int = 2,
    rate: int = SR,
    bits: int = 16,
    riff_size: int | None = None,
) -> bytes:
    block = channels * bits // 8
    fmt = struct.pack(
        "<HHIIHH", fmt_tag, channels, rate, (rate * block) & 0xFFFFFFFF, block & 0xFFFF, bits
    )
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", data_size)
    size = riff_size if riff_size is not None else (len(body) + data_size) & 0xFFFFFFFF
    return b"RIFF" + struct.pack("<I", size) + body


def flac_streaminfo_only(*, total_samples: int, rate: int = SR, channels: int = 2) -> bytes:
    """A FLAC file that is only its STREAMINFO block: it claims `total_samples` and holds none."""
    bits_per_sample = 16
    packed = (rate << 44) | ((channels - 1) << 41) | ((bits_per_sample - 1) << 36) | total_samples
    info = struct.pack(">HH", 4096, 4096) + b"\x00\x00\x10" + b"\x00\x40\x00"
    info += packed.to_bytes(8, "big") + bytes(16)  # MD5 of nothing
    header = bytes([0x80]) + len(info).to_bytes(3, "big")  # last block, type 0 (STREAMINFO)
    return b"fLaC" + header + info


def id3_tag(*, declared_size: int | None = None) -> bytes:
    """An ID3v2.4 tag holding one title frame; `declared_size` makes its size field lie."""
    frame = b"TIT2" + struct.pack(">I", 5) + b"\x00\x00" + b"\x03hack"
    n = len(frame) if declared_size is None else declared_size
    syncsafe = bytes([(n >> 21) & 0x7F, (n >> 14) & 0x7F, (n >> 7) & 0x7F, n & 0x7F])
    return b"ID3\x04\x00\x00" + syncsafe + frame


def mp3_silence_frame() -> bytes:
    """One MPEG-2.5 layer III frame: 8 kbit/s, 8 kHz, 72 bytes, 576 samples, all zero payload."""
    # sync 11 bits, version 00 (2.5), layer 01 (III), no CRC; bitrate idx 1 (8k), rate idx 2 (8k)
    header = bytes([0xFF, 0xE3, 0x18, 0xC4])
    return header + bytes(72 - 4)


def random_bytes(seed: int, size: int) -> bytes:
    data = bytearray(np.random.default_rng(seed).integers(0, 256, size, dtype=np.uint8).tobytes())
    data[0] = 0x5A  # never starts with a magic number by chance
    return bytes(data)


def corpus(local_file: str, canary_url: str) -> list[Entry]:
    """>= 40 hostile uploads. `local_file`: a path that must never be opened; `canary_url`: an
    http URL of a listener that must never be connected to."""
    wav = soundfile_bytes("WAV")
    flac = soundfile_bytes("FLAC")
    ogg = soundfile_bytes("OGG", subtype="VORBIS")
    mp3 = pyav_bytes("mp3", "libmp3lame")
    m4a = pyav_bytes("ipod", "aac")
    hls_file = f"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10.0,\n{local_file}\n#EXT-X-ENDLIST\n"
    hls_url = (
        f"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10.0,\n{canary_url}/a.ts\n#EXT-X-ENDLIST\n"
    )
    hls_proto = f"#EXTM3U\n#EXTINF:10,\nfile:{local_file}\n#EXT-X-ENDLIST\n"
    ffconcat = f"ffconcat version 1.0\nfile '{local_file}'\nfile '{canary_url}/b.wav'\n"
    m3u_plain = f"#EXTM3U\n#EXTINF:123,Song\n{local_file}\n{canary_url}/c.mp3\n"
    sdp = f"v=0\r\no=- 0 0 IN IP4 127.0.0.2\r\ns=x\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\nm=audio {canary_url.rsplit(':', 1)[1]} RTP/AVP 0\r\n"  # noqa: E501
    nan_wav = wav_header(data_size=8 * 100, fmt_tag=3, bits=32) + (
        np.full((100, 2), np.nan, dtype=np.float32).tobytes()
    )
    ten_hours_mp3 = mp3_silence_frame() * (10 * 3600 * 8000 // 576)
    entries: list[Entry] = [
        ("zero-byte", b"", {}),
        ("one-byte", b"\xff", {}),
        ("riff-only", b"RIFF", {}),
        ("random-1k", random_bytes(1, 1024), {}),
        ("random-64k", random_bytes(2, 64 * 1024), {}),
        ("random-1m", random_bytes(3, 1024 * 1024), {}),
        ("hls-local-file.mp3", hls_file.encode(), {}),
        ("hls-url.mp3", hls_url.encode(), {}),
        ("hls-file-protocol.mp3", hls_proto.encode(), {}),
        ("ffconcat.mp3", ffconcat.encode(), {}),
        ("concat-protocol.mp3", f"concat:{local_file}|{local_file}".encode(), {}),
        ("m3u-plain.mp3", m3u_plain.encode(), {}),
        ("sdp-rtp.mp3", sdp.encode(), {}),
        ("id3-then-hls", id3_tag() + hls_file.encode(), {}),
        ("id3-then-ffconcat", id3_tag() + ffconcat.encode(), {}),
        ("id3-only", id3_tag(), {}),
        ("id3-huge-size", id3_tag(declared_size=0x0FFFFFFF), {}),
        ("id3-bad-syncsafe", b"ID3\x04\x00\x00\xff\xff\xff\xff" + bytes(64), {}),
        ("wav-claims-4gib", wav_header(data_size=0xFFFFFFF0) + wav[44 : 44 + 8820], {}),
        (
            "wav-riff-claims-4gib",
            wav_header(data_size=8820, riff_size=0xFFFFFFFF) + bytes(8820),
            {},
        ),
        ("wav-zero-channels", wav_header(data_size=400, channels=0) + bytes(400), {}),
        ("wav-zero-rate", wav_header(data_size=400, rate=0) + bytes(400), {}),
        ("wav-4ghz-rate", wav_header(data_size=400, rate=4_000_000_000) + bytes(400), {}),
        ("wav-65535-channels", wav_header(data_size=400, channels=65535, bits=8) + bytes(400), {}),
        ("wav-header-only", wav[:44], {}),
        ("wav-no-data-chunk", wav[:36], {}),
        ("wav-adpcm-codec", wav_header(data_size=400, fmt_tag=2, bits=4) + bytes(400), {}),
        ("wav-nan-samples", nan_wav, {}),
        ("wav-then-hls", wav[:36] + hls_file.encode(), {}),
        ("wav-too-long", soundfile_bytes("WAV", seconds=12.0), {"max_duration_s": 5.0}),
        ("wav-over-size-cap", wav, {"max_bytes": 1024}),
        ("flac-10h-streaminfo", flac_streaminfo_only(total_samples=10 * 3600 * SR), {}),
        ("flac-zero-rate", flac_streaminfo_only(total_samples=SR, rate=0), {}),
        ("flac-truncated", flac[:60], {}),
        ("flac-then-html", b"fLaC" + b"<html><script>x</script></html>" * 4, {}),
        ("mp3-10h-silence", ten_hours_mp3, {}),
        ("mp3-truncated", mp3[:300], {"max_duration_s": 480.0}),
        ("mp3-single-broken-frame", mp3_silence_frame()[:40] + b"#EXTM3U\n" + bytes(40), {}),
        ("ogg-truncated", ogg[:50], {}),
        ("ogg-garbage", b"OggS" + random_bytes(4, 4096), {}),
        ("mp4-truncated", m4a[: len(m4a) // 3], {}),
        (
            "mp4-ftyp-garbage",
            b"\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00" + random_bytes(5, 4096),
            {},
        ),
        ("mp4-ftyp-hls", b"\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00" + hls_file.encode(), {}),
        ("adts-garbage", b"\xff\xf1\x50\x80\x02\x1f\xfc" + random_bytes(6, 2048), {}),
        ("html", b"<!doctype html><html><body>not audio</body></html>", {}),
        ("pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", {}),
        ("png", b"\x89PNG\r\n\x1a\n" + bytes(64), {}),
        ("zip", b"PK\x03\x04" + bytes(64), {}),
        ("gzip-wav", _gzip(wav), {}),
        ("mpegts", (b"\x47" + bytes(187)) * 20, {}),
        ("ffmetadata", f";FFMETADATA1\ntitle={local_file}\n".encode(), {}),
        ("mp3-decode-timeout", mp3, {"timeout_s": 0.0}),
    ]
    return entries


def _gzip(data: bytes) -> bytes:
    import gzip

    return gzip.compress(data)
