from __future__ import annotations

import numpy as np
import pytest

from songsmith.media import lame
from songsmith.media.codecs import Mp3StreamEncoder, decode_audio, encode_mp3

from .audio_fixtures import RATE, groove, tone

FRAME = lame.SAMPLES_PER_FRAME


def _snr_db(reference: np.ndarray, test: np.ndarray) -> float:
    error = test - reference
    return float(10 * np.log10(np.sum(reference**2) / max(np.sum(error**2), 1e-20)))


def test_info_frame_states_frames_delay_and_padding_with_a_valid_tag_crc() -> None:
    samples = RATE * 2 + 333
    data = encode_mp3(tone(440.0, samples / RATE), RATE)
    header = data[: lame.frame_offsets(data)[1]]
    assert header[36:40] == b"Info" and header[156:165] == b"LAME3.100"
    frames = int.from_bytes(header[44:48], "big")
    assert frames == lame.count_frames(data) - 1  # the header frame itself is not counted
    assert int.from_bytes(header[48:52], "big") == len(data)
    field = header[177:180]
    delay, padding = (field[0] << 4) | (field[1] >> 4), ((field[1] & 0xF) << 8) | field[2]
    assert delay == lame.ENCODER_DELAY
    assert frames * FRAME == samples + delay + padding
    crc = 0  # CRC-16/ARC over the first 190 bytes, computed independently of lame._crc16
    for byte in header[:190]:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    assert header[190:192] == crc.to_bytes(2, "big")


def test_frame_offsets_stop_before_a_partial_frame_and_reject_junk() -> None:
    data = encode_mp3(tone(220.0, 0.5), RATE)
    offsets = lame.frame_offsets(data)
    assert lame.frame_offsets(data[: offsets[-1] + 10]) == offsets[:-1]
    with pytest.raises(ValueError, match="no mp3 frame"):
        lame.frame_offsets(b"\x00" * 700)


def _stream_of(preview: np.ndarray) -> tuple[bytes, int]:
    """A stream of whole frames of `preview` (LAME's output is cut at any byte: the frame it
    was midway through is completed from its flush)."""
    encoder = Mp3StreamEncoder(RATE)
    data = b"".join(encoder.feed(preview[i : i + 4000]) for i in range(0, len(preview), 4000))
    offsets = lame.frame_offsets(data)
    end = offsets[-1] + lame.frame_length(data, offsets[-1])
    if end < len(data):
        rest = encoder.flush()
        data += rest[: lame.frame_length(data, end) - (len(data) - end)]
    return data, lame.count_frames(data)


def test_a_preview_stream_continues_with_the_final_files_frames() -> None:
    stems = groove(6.0, seed=3)
    song = (stems["drums"] + stems["bass"]).astype(np.float32)
    final = encode_mp3(song, RATE)
    # the preview is a different render of the opening (here: quieter, other hats)
    other = groove(6.0, seed=9)
    preview = 0.5 * (other["drums"] + other["bass"])[: RATE * 2]
    head, sent = _stream_of(preview)
    assert sent > 0

    stream = head + lame.continue_stream(sent, final)
    decoded, rate = decode_audio(stream)
    final_audio, _ = decode_audio(final)
    assert rate == RATE
    # raw frames: no header trims LAME's delay (576 + the decoder's 529); one carrier frame added
    delay = lame.ENCODER_DELAY + 529
    assert abs(len(decoded) - (len(final_audio) + delay + FRAME)) <= 2 * FRAME
    # After the splice (and the carrier's silent frame) the stream is the final file exactly.
    resume = sent * FRAME + FRAME  # stream sample where the final file's frame `sent` starts
    start_in_final = sent * FRAME - delay
    span = RATE  # one second after a short settling margin
    got = decoded[resume + FRAME : resume + FRAME + span, 0]
    want = final_audio[start_in_final + FRAME : start_in_final + FRAME + span, 0]
    assert _snr_db(want, got) > 40
    # Before the splice it is the preview's audio.
    assert _snr_db(preview[RATE // 2 : RATE, 0], decoded[delay + RATE // 2 : delay + RATE, 0]) > 15


def test_continue_stream_after_the_last_frame_adds_nothing() -> None:
    final = encode_mp3(tone(330.0, 0.5), RATE)
    assert lame.continue_stream(lame.count_frames(final), final) == b""
