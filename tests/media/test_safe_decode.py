"""safe_decode on honest files: every allow-listed format decodes to float32 stereo at its rate.

The hostile corpus lives in tests/security/test_hostile_uploads.py.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest

from songsmith.media.safe_decode import InvalidAudio, probe_and_decode, sniff_format


def tone(seconds: float, sr: int, channels: int) -> np.ndarray[Any, Any]:
    t = np.arange(int(seconds * sr)) / sr
    return np.stack(
        [0.25 * np.sin(2 * np.pi * (330.0 + 110.0 * c) * t) for c in range(channels)], axis=1
    ).astype(np.float32)


def with_soundfile(fmt: str, subtype: str | None, sr: int = 44100, channels: int = 2) -> bytes:
    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, tone(1.0, sr, channels), sr, format=fmt, subtype=subtype)
    return buf.getvalue()


def with_pyav(container: str, codec: str, sr: int = 44100) -> bytes:
    import av

    buf = io.BytesIO()
    with av.open(buf, "w", format=container) as out:
        stream: Any = out.add_stream(codec, rate=sr, layout="stereo")
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(tone(1.0, sr, 2).T), format="fltp", layout="stereo"
        )
        frame.sample_rate = sr
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    return buf.getvalue()


CASES = [
    ("wav", lambda: with_soundfile("WAV", "PCM_16"), 44100),
    ("wav", lambda: with_soundfile("WAV", "PCM_24", sr=48000), 48000),
    ("wav", lambda: with_soundfile("WAV", "FLOAT", sr=96000), 48000),  # capped at 48 kHz
    ("wav", lambda: with_soundfile("WAV", "PCM_16", sr=8000, channels=1), 8000),
    ("wav", lambda: with_soundfile("WAV", "PCM_16", channels=6), 44100),
    ("flac", lambda: with_soundfile("FLAC", "PCM_16"), 44100),
    ("ogg", lambda: with_soundfile("OGG", "VORBIS"), 44100),
    ("mp3", lambda: with_pyav("mp3", "libmp3lame"), 44100),
    ("mp4", lambda: with_pyav("ipod", "aac"), 44100),
    ("aac", lambda: with_pyav("adts", "aac", sr=48000), 48000),
]


@pytest.mark.parametrize(("name", "make", "rate"), CASES)
def test_allow_listed_formats_decode(name: str, make: Any, rate: int) -> None:
    data = make()
    assert sniff_format(data).name == name
    audio, sr = probe_and_decode(data)
    assert sr == rate
    assert audio.dtype == np.float32 and audio.ndim == 2 and audio.shape[1] == 2
    assert audio.flags["C_CONTIGUOUS"]
    # About one second (codec priming may add a frame) with the tone's level.
    assert 0.95 * rate <= audio.shape[0] <= 1.1 * rate
    assert 0.1 < float(np.abs(audio).max()) <= 1.0


def test_mono_is_duplicated_to_both_sides() -> None:
    audio, _ = probe_and_decode(with_soundfile("WAV", "PCM_16", sr=8000, channels=1))
    np.testing.assert_allclose(audio[:, 0], audio[:, 1])


def test_id3_tag_before_mp3_frames_is_fine() -> None:
    mp3 = with_pyav("mp3", "libmp3lame")
    tag = b"TIT2" + (5).to_bytes(4, "big") + b"\x00\x00\x03song"
    tagged = b"ID3\x04\x00\x00" + bytes([0, 0, 0, len(tag)]) + tag + bytes(100) + mp3
    assert sniff_format(tagged).name == "mp3"
    audio, sr = probe_and_decode(tagged)
    assert sr == 44100 and audio.shape[0] > 40000


def test_limits_are_parameters() -> None:
    wav = with_soundfile("WAV", "PCM_16")
    with pytest.raises(InvalidAudio, match="larger than"):
        probe_and_decode(wav, max_bytes=len(wav) - 1)
    with pytest.raises(InvalidAudio, match="limit"):
        probe_and_decode(with_soundfile("FLAC", "PCM_16"), max_duration_s=0.0, timeout_s=5)
    with pytest.raises(InvalidAudio, match="took longer"):
        probe_and_decode(with_pyav("mp3", "libmp3lame"), timeout_s=0.0)


def test_invalid_audio_is_a_generation_failure_with_its_type() -> None:
    from songsmith.domain.errors import GenerationFailed

    with pytest.raises(GenerationFailed) as caught:
        probe_and_decode(b"")
    assert caught.value.error_type == "invalid_audio"
