"""LAME through `lameenc`, and the Info/LAME header frame that makes its output gapless.

`lameenc` bundles LAME built with its optimisations: about 4x faster than the libmp3lame inside
the PyAV wheel on the same audio (benchmarks/bench_engine.py), and mp3 encoding was the largest
single cost of a song. It emits raw MPEG frames only, which is what a progressive stream wants;
a whole file also gets the header frame LAME would write (Xing "Info" for CBR plus the LAME
extension), so decoders trim the encoder delay and the end padding and the decoded file has
exactly the samples that went in.
"""

from __future__ import annotations

import struct
from typing import Any

SAMPLES_PER_FRAME = 1152  # MPEG-1 Layer III
ENCODER_DELAY = 576  # LAME's delay as its header states it; decoders add their own 529
_MAIN_DATA_OFFSET = 36  # after the 4-byte header and 32 bytes of stereo side information: where
# a frame's main data starts (in the header frame, the Info tag)
_TAG_CRC_SPAN = 190  # the LAME tag's CRC covers the frame's first 190 bytes
# Frame header of the Info frame: MPEG-1 Layer III, no CRC, 192 kbit/s, 44.1 kHz, no padding,
# stereo, as ffmpeg's muxer writes it. Its length at this rate: 144 * 192000 / 44100 = 626.
_INFO_HEADER = bytes.fromhex("fffbb000")
_INFO_FRAME_BYTES = 626
_BIT_RATES_KBPS = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0)


def new_encoder(bit_rate: int, sample_rate: int, quality: int) -> Any:
    """A stereo CBR encoder; `quality` is LAME's 0 (best) .. 9 (fastest)."""
    import lameenc

    encoder = lameenc.Encoder()
    encoder.set_bit_rate(bit_rate // 1000)
    encoder.set_in_sample_rate(sample_rate)
    encoder.set_channels(2)
    encoder.set_quality(quality)
    return encoder


def _crc16(data: bytes) -> int:
    """CRC-16/ARC (polynomial 0x8005, reflected), the checksum of the LAME tag."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def frame_length(data: bytes, position: int = 0) -> int:
    """Bytes of the MPEG-1 Layer III frame (44.1 kHz) whose header starts at `position`."""
    header = data[position : position + 4]
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        raise ValueError(f"no mp3 frame at byte {position}")
    bit_rate = _BIT_RATES_KBPS[header[2] >> 4] * 1000
    if bit_rate == 0:
        raise ValueError(f"free-format or invalid bit rate at byte {position}")
    return 144 * bit_rate // 44100 + ((header[2] >> 1) & 1)


def frame_offsets(data: bytes) -> list[int]:
    """Start of every whole frame in `data` (raw frames as LAME emits them; a trailing partial
    frame is not listed)."""
    offsets = []
    position = 0
    while position + 4 <= len(data):
        length = frame_length(data, position)
        if position + length > len(data):
            break
        offsets.append(position)
        position += length
    return offsets


def count_frames(data: bytes) -> int:
    return len(frame_offsets(data))


def continue_stream(frames_sent: int, final_mp3: bytes) -> bytes:
    """What to append to a progressive stream of `frames_sent` raw frames (encoded by the same
    LAME settings from a preview of the same song) so it plays on with `final_mp3`'s audio from
    frame `frames_sent`: the stream needs no second encode of the song.

    Both encodes share LAME's frame grid, so frame k covers the same samples in each. A frame's
    main data may start in earlier frames (the bit reservoir), which in the stream hold the
    preview's bits: a silent carrier frame (side information all zero: no spectral data) carries
    those bytes in its tail, so the first spliced frame decodes exactly. Cost: one frame (26 ms)
    of silence at the splice.
    """
    offsets = frame_offsets(final_mp3)
    tag_at = offsets[0] + _MAIN_DATA_OFFSET if offsets else 0
    if offsets and final_mp3[tag_at : tag_at + 4] in (b"Info", b"Xing"):
        offsets = offsets[1:]  # the header frame carries no audio
    if frames_sent >= len(offsets):
        return b""
    start = offsets[frames_sent]
    side = final_mp3[start + 4 : start + 6]
    reservoir = (side[0] << 1) | (side[1] >> 7)  # main_data_begin: bytes taken from before
    tail = final_mp3[start:]
    if reservoir == 0:
        return tail
    payloads = bytearray()  # main data of the frames before, newest last (at most 511 needed)
    for index in range(frames_sent - 1, -1, -1):
        begin = offsets[index]
        end = offsets[index + 1]
        payloads[:0] = final_mp3[begin + _MAIN_DATA_OFFSET : end]
        if len(payloads) >= reservoir:
            break
    carrier = bytearray(_INFO_FRAME_BYTES)
    carrier[:4] = bytes(
        [final_mp3[start], final_mp3[start + 1], final_mp3[start + 2] & ~0x02, final_mp3[start + 3]]
    )
    carrier[_INFO_FRAME_BYTES - reservoir :] = payloads[len(payloads) - reservoir :]
    return bytes(carrier) + tail


def _delay_and_padding(padding: int) -> bytes:
    """Two 12-bit fields: the encoder delay, then the padding at the end."""
    return bytes(
        [ENCODER_DELAY >> 4, ((ENCODER_DELAY & 0xF) << 4) | (padding >> 8), padding & 0xFF]
    )


def info_frame(frames: int, audio_bytes: int, samples: int, bit_rate: int) -> bytes:
    """The header frame of a CBR mp3 of `frames` audio frames (`audio_bytes` long) holding
    `samples` samples per channel: frame count, size, seek table, encoder delay and padding."""
    if bit_rate != 192_000:
        raise ValueError("the Info frame is written for 192 kbit/s streams only")
    total_bytes = audio_bytes + _INFO_FRAME_BYTES
    padding = max(0, frames * SAMPLES_PER_FRAME - samples - ENCODER_DELAY)
    toc = bytes(int(i * 256 / 100) for i in range(100))  # CBR: a linear seek table
    xing = b"Info" + struct.pack(">III", 0x0F, frames, total_bytes) + toc + struct.pack(">I", 0)
    lame = (
        b"LAME3.100"
        + bytes([0x01, 0])  # tag revision 0, CBR; lowpass not stated
        + bytes(8)  # peak amplitude and replay gains: not measured here
        + bytes([0, min(255, bit_rate // 1000)])  # flags/ATH, bit rate
        + _delay_and_padding(padding)
        + bytes(4)  # misc, mp3 gain, preset
        + struct.pack(">IH", total_bytes, 0)  # music length; music CRC not computed
    )
    frame = bytearray(_INFO_FRAME_BYTES)
    frame[:4] = _INFO_HEADER
    body = xing + lame
    frame[_MAIN_DATA_OFFSET : _MAIN_DATA_OFFSET + len(body)] = body
    crc = _crc16(bytes(frame[:_TAG_CRC_SPAN]))
    frame[_TAG_CRC_SPAN : _TAG_CRC_SPAN + 2] = struct.pack(">H", crc)
    return bytes(frame)
