from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from songsmith.blobs.local import LocalBlobStore
from songsmith.media import lame
from songsmith.media.codecs import decode_audio, encode_mp3
from songsmith.services.stream import ClipStream

RATE = 44100
DECODER_DELAY = lame.ENCODER_DELAY + 529  # raw frames: nothing trims LAME's delay


def _song(seconds: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    notes = 220.0 * 2 ** (rng.integers(0, 12, size=int(seconds * 4)) / 12)
    freq = np.repeat(notes, RATE // 4)[: len(t)]
    mono = 0.3 * np.sin(2 * np.pi * np.cumsum(freq) / RATE) + 0.02 * rng.standard_normal(len(t))
    return np.stack([mono, 0.9 * mono], axis=1).astype(np.float32)


def _snr_db(reference: np.ndarray, test: np.ndarray) -> float:
    error = test - reference
    return float(10 * np.log10(np.sum(reference**2) / max(np.sum(error**2), 1e-20)))


@pytest.fixture()
def blobs(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "blobs", "http://127.0.0.1/files")


def test_a_preview_stream_goes_on_with_the_final_mp3(blobs: LocalBlobStore) -> None:
    song = _song(8.0, seed=1)
    opened: list[str] = []
    stream = ClipStream(blobs, RATE, opened.append)
    preview = 0.7 * song[: int(2.5 * RATE)]  # another render of the opening: here quieter
    for start in range(0, len(preview), 3001):  # odd chunks: LAME cuts its output anywhere
        stream.feed(preview[start : start + 3001])
    assert opened == [stream.blob_id]
    final = encode_mp3(song, RATE)
    stream.finish(final, len(song))
    stream.finish(final, len(song))  # once only
    assert stream.blob_id is not None

    data = blobs.read_bytes(stream.blob_id)
    assert lame.frame_offsets(data)[-1] + lame.frame_length(data, lame.frame_offsets(data)[-1]) == (
        len(data)
    )  # whole frames only
    decoded, rate = decode_audio(data, {"mp3"})
    final_audio, _ = decode_audio(final, {"mp3"})
    assert rate == RATE
    # the whole song is there, plus the delay, one carrier frame and at most one more frame
    extra = len(decoded) - len(final_audio) - DECODER_DELAY
    assert lame.SAMPLES_PER_FRAME <= extra <= 2 * lame.SAMPLES_PER_FRAME
    # the last four seconds are the final file's audio, one carrier frame later
    shift = DECODER_DELAY + lame.SAMPLES_PER_FRAME
    tail = slice(len(final_audio) - 4 * RATE, len(final_audio))
    later = slice(tail.start + shift, tail.stop + shift)
    assert _snr_db(final_audio[tail, 0], decoded[later, 0]) > 40
    # the opening is the preview
    head = slice(DECODER_DELAY + RATE // 2, DECODER_DELAY + 2 * RATE)
    assert _snr_db(preview[RATE // 2 : 2 * RATE, 0], decoded[head, 0]) > 15
    with pytest.raises(RuntimeError):
        stream.feed(song[:100])


def test_a_stream_fed_the_whole_song_ends_with_its_own_frames(blobs: LocalBlobStore) -> None:
    song = _song(3.0, seed=2)
    stream = ClipStream(blobs, RATE)
    stream.feed(song)
    stream.finish(encode_mp3(0.1 * song, RATE), len(song))  # nothing left to splice
    assert stream.blob_id is not None
    decoded, _ = decode_audio(blobs.read_bytes(stream.blob_id), {"mp3"})
    assert len(song) <= len(decoded) - DECODER_DELAY <= len(song) + 2 * lame.SAMPLES_PER_FRAME
    aligned = decoded[DECODER_DELAY : DECODER_DELAY + len(song), 0]
    assert _snr_db(song[:, 0], aligned) > 15  # its own audio, not the quieter final file


def test_a_stream_that_never_got_audio_writes_nothing(blobs: LocalBlobStore) -> None:
    stream = ClipStream(blobs, RATE)
    stream.finish(encode_mp3(_song(1.0, seed=3), RATE), RATE)
    assert stream.blob_id is None
