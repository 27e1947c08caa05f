"""S3: hostile uploads end in `InvalidAudio`, read no local file, connect nowhere, stay bounded."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hostile_audio_corpus import SR, corpus, soundfile_bytes
from security_canaries import CanaryListener, FifoCanary
from security_servers import LocalHttpServer

from songsmith.config import Settings
from songsmith.domain.errors import GenerationFailed
from songsmith.media.safe_decode import (
    InvalidAudio,
    probe_and_decode,
    probe_and_decode_isolated,
)
from songsmith.services.upload import run_upload

# Not a speed target: a hang guard so one pathological file cannot stall the suite.
PER_FILE_BOUND_S = 10.0


@pytest.fixture
def canary_listener() -> Any:
    listener = CanaryListener("127.0.0.2")
    yield listener
    listener.close()


def test_fifo_canary_notices_ffmpeg_reading_a_playlist_entry(
    tmp_path: Path, fifo_canary: FifoCanary
) -> None:
    """Positive control: FFmpeg left to probe a playlist does open the local file it names."""
    import av

    playlist = tmp_path / "song.m3u8"
    playlist.write_text(
        f"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10.0,\n{fifo_canary.path}\n#EXT-X-ENDLIST\n"
    )
    with pytest.raises(av.FFmpegError):
        av.open(str(playlist), timeout=2.0)
    deadline = time.monotonic() + 2
    while fifo_canary.opens == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert fifo_canary.opens > 0


def test_hostile_corpus_is_refused_without_touching_anything(
    fifo_canary: FifoCanary, canary_listener: CanaryListener, connect_log: list[Any]
) -> None:
    entries = corpus(str(fifo_canary.path), f"http://127.0.0.2:{canary_listener.port}")
    assert len(entries) >= 40
    accepted: list[str] = []
    for name, data, limits in entries:
        started = time.monotonic()
        try:
            probe_and_decode(data, **limits)
        except InvalidAudio as exc:
            assert exc.error_type == "invalid_audio"
            assert exc.message, name
        else:
            accepted.append(name)
        assert time.monotonic() - started < PER_FILE_BOUND_S, name
    time.sleep(0.05)  # give the FIFO watcher a beat to see a late open
    assert accepted == []
    assert fifo_canary.opens == 0
    assert canary_listener.accepts == 0
    assert connect_log == []


def test_decode_stops_at_the_duration_limit_when_the_header_lies() -> None:
    # 6 s of real FLAC frames under a STREAMINFO that claims 1 s: the header check passes, so
    # only the decoded-sample cap can stop it.
    flac = bytearray(soundfile_bytes("FLAC", seconds=6.0))
    assert flac[:4] == b"fLaC"
    info = 8  # "fLaC" + 4-byte block header, then STREAMINFO
    packed = int.from_bytes(flac[info + 10 : info + 18], "big")
    packed = (packed & ~((1 << 36) - 1)) | SR  # total samples: 1 s
    flac[info + 10 : info + 18] = packed.to_bytes(8, "big")
    audio, sr = probe_and_decode(bytes(flac), max_duration_s=10.0)
    assert audio.shape[0] == 6 * sr
    with pytest.raises(InvalidAudio, match="longer than the limit"):
        probe_and_decode(bytes(flac), max_duration_s=1.0)


def test_upload_job_fetches_and_decodes_and_fails_cleanly_on_hostile_bytes(
    fifo_canary: FifoCanary,
) -> None:
    import soundfile as sf

    server = LocalHttpServer("127.0.0.1")
    try:
        wav = io.BytesIO()
        sf.write(wav, [[0.1, -0.1]] * 22050, 22050, format="WAV")
        server.files["song.wav"] = wav.getvalue()
        server.files["song.mp3"] = f"#EXTM3U\n#EXTINF:1,\n{fifo_canary.path}\n".encode()
        settings = Settings(fetch_allow_cidrs="127.0.0.1/32", fetch_timeout_s=5.0)
        audio, sr = run_upload(server.url("/file/song.wav"), settings)
        assert (audio.shape, sr) == ((22050, 2), 22050)
        with pytest.raises(InvalidAudio):
            run_upload(server.url("/file/song.mp3"), settings)
        with pytest.raises(GenerationFailed) as caught:
            run_upload(server.url("/file/missing.wav"), settings)
        assert caught.value.error_type == "fetch_failed"
        small = Settings(fetch_allow_cidrs="127.0.0.1/32", upload_max_bytes=1000)
        with pytest.raises(GenerationFailed) as caught:
            run_upload(server.url("/file/song.wav"), small)
        assert caught.value.error_type == "too_large"
        with pytest.raises(GenerationFailed) as caught:
            run_upload(server.url("/file/song.wav"), Settings(fetch_allow_cidrs=""))
        assert caught.value.error_type == "invalid_url"
    finally:
        server.close()
    assert fifo_canary.opens == 0


def test_isolated_decode_matches_in_process_and_refuses_the_same(
    fifo_canary: FifoCanary, canary_listener: CanaryListener
) -> None:
    wav = soundfile_bytes("WAV", seconds=1.0)
    audio, sr = probe_and_decode_isolated(wav)
    expected, expected_sr = probe_and_decode(wav)
    assert sr == expected_sr
    np.testing.assert_array_equal(audio, expected)
    entries = dict(
        (name, (data, limits))
        for name, data, limits in corpus(
            str(fifo_canary.path), f"http://127.0.0.2:{canary_listener.port}"
        )
    )
    # Past the sniffer, into FFmpeg inside the child: each must come back as InvalidAudio.
    for name in ("wav-nan-samples", "mp4-truncated", "wav-adpcm-codec"):
        data, limits = entries[name]
        with pytest.raises(InvalidAudio):
            probe_and_decode_isolated(data, **limits)
    assert fifo_canary.opens == 0
    assert canary_listener.accepts == 0


def test_isolated_decode_is_killed_at_its_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    import songsmith.media.safe_decode as safe_decode

    wav = soundfile_bytes("WAV", seconds=1.0)
    # In-child deadline: the decoder's own per-packet check answers.
    with pytest.raises(InvalidAudio, match="took longer"):
        probe_and_decode_isolated(wav, timeout_s=0.0)
    # Parent deadline: a child that has not answered in time is killed (here: it cannot even
    # finish starting in 10 ms, standing in for a hang inside FFmpeg).
    monkeypatch.setattr(safe_decode, "CHILD_START_ALLOWANCE_S", 0.01)
    started = time.monotonic()
    with pytest.raises(InvalidAudio, match="took longer"):
        probe_and_decode_isolated(wav, timeout_s=0.0)
    assert time.monotonic() - started < PER_FILE_BOUND_S
    monkeypatch.undo()
    # A child that cannot even start within its memory limit fails closed, not open.
    with pytest.raises(InvalidAudio):
        probe_and_decode_isolated(wav, memory_limit_bytes=64 * 1024 * 1024)
