from __future__ import annotations

import io
import wave

import av
import numpy as np
import pytest

from songsmith.media.codecs import (
    Mp3StreamEncoder,
    decode_audio,
    encode_mp3,
    encode_wav,
)

from .audio_fixtures import RATE, groove, tone


def _snr_db(reference: np.ndarray, test: np.ndarray) -> float:
    error = test - reference
    return float(10 * np.log10(np.sum(reference**2) / max(np.sum(error**2), 1e-20)))


def test_mp3_round_trip_is_aligned_stereo_44k_and_cbr_192k() -> None:
    stems = groove(4.0)
    audio = stems["drums"] + stems["bass"]
    audio[:, 1] *= 0.5  # make the channels differ so a swap would show
    data = encode_mp3(audio, RATE)

    decoded, rate = decode_audio(data)
    assert rate == 44100
    assert decoded.shape == audio.shape  # the Info/LAME header trims delay and padding
    assert decoded.dtype == np.float32
    # Gapless and sample-aligned: a one-sample shift would wreck this SNR on a 60 Hz kick.
    assert _snr_db(audio[:, 0], decoded[:, 0]) > 20
    assert _snr_db(audio[:, 1], decoded[:, 1]) > 20

    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        assert container.format.name == "mp3"
        assert stream.codec_context.sample_rate == 44100
        assert stream.codec_context.channels == 2
        sizes = {packet.size for packet in container.demux(stream) if packet.size}
    # CBR at 192 kbit/s: every frame is 626 or 627 bytes (padding bit), 1152 samples.
    assert sizes <= {626, 627}


def test_mp3_resamples_other_rates_and_accepts_mono() -> None:
    mono = tone(440.0, 1.0, rate=22050)[:, 0]
    decoded, rate = decode_audio(encode_mp3(mono, 22050))
    assert rate == 44100
    assert decoded.shape == (44100, 2)
    np.testing.assert_allclose(decoded[:, 0], decoded[:, 1])
    reference = tone(440.0, 1.0)
    assert _snr_db(reference[2000:-2000, 0], decoded[2000:-2000, 0]) > 20


def test_mp3_is_deterministic() -> None:
    audio = groove(1.0)["drums"]
    assert encode_mp3(audio, RATE) == encode_mp3(audio, RATE)


def test_wav_is_16_bit_stereo_and_clips_instead_of_wrapping() -> None:
    audio = tone(1000.0, 0.5, amplitude=0.9)
    audio[100] = [1.5, -1.5]  # out of range: must clip to full scale, not wrap around
    data = encode_wav(audio, RATE)
    with wave.open(io.BytesIO(data)) as reader:
        assert reader.getnchannels() == 2
        assert reader.getsampwidth() == 2
        assert reader.getframerate() == 44100
        pcm = np.frombuffer(reader.readframes(reader.getnframes()), "<i2").reshape(-1, 2)
    assert pcm[100].tolist() == [32767, -32767]
    decoded, rate = decode_audio(data)
    assert rate == 44100
    expected = np.clip(audio, -1, 1)
    # Half an LSB of rounding plus the decoder's 1/32768 scale against our 1/32767.
    assert np.max(np.abs(decoded - expected)) <= 2.0 / 32767


def test_wav_resamples_48k_to_44k() -> None:
    data = encode_wav(tone(440.0, 1.0, rate=48000), 48000)
    decoded, rate = decode_audio(data)
    assert rate == 44100
    assert decoded.shape == (44100, 2)


def test_stream_encoder_chunks_concatenate_to_a_playable_mp3() -> None:
    stems = groove(3.0)
    audio = stems["drums"] + stems["bass"]
    encoder = Mp3StreamEncoder(RATE)
    pieces = [encoder.feed(audio[i : i + 3001]) for i in range(0, len(audio), 3001)]
    pieces.append(encoder.flush())
    stream = b"".join(pieces)
    assert stream[:2] == b"\xff\xfb"  # starts on an MPEG-1 Layer III frame: playable at once

    decoded, rate = decode_audio(stream)
    assert rate == 44100
    # Raw frames have no header to trim the encoder delay: the length is the audio plus
    # LAME's delay and padding, under two frames.
    assert len(audio) <= len(decoded) <= len(audio) + 2 * 1152 + 1200
    # A prefix of the stream (what a listener has so far) decodes too.
    prefix, _ = decode_audio(b"".join(pieces[: len(pieces) // 2]))
    assert len(prefix) > RATE
    # Same content as the whole-file encoder once the encoder delay is skipped.
    delay = int(np.argmax(np.abs(decoded[:, 0]) > 0.05)) - int(
        np.argmax(np.abs(audio[:, 0]) > 0.05)
    )
    assert 0 < delay < 3000
    assert _snr_db(audio[: RATE * 2, 0], decoded[delay : delay + RATE * 2, 0]) > 15


def test_stream_encoder_resamples_and_refuses_feed_after_flush() -> None:
    encoder = Mp3StreamEncoder(22050)
    data = encoder.feed(tone(440.0, 1.0, rate=22050)) + encoder.flush()
    decoded, rate = decode_audio(data)
    assert rate == 44100
    assert abs(len(decoded) - 44100) < 4000
    with pytest.raises(RuntimeError):
        encoder.feed(tone(440.0, 0.1))
    assert encoder.flush() == b""


def test_decode_audio_can_restrict_formats() -> None:
    data = encode_wav(tone(440.0, 0.2), RATE)
    with pytest.raises(ValueError, match="not allowed"):
        decode_audio(data, formats={"mp3"})
    audio, _ = decode_audio(data, formats={"wav"})
    assert len(audio) == int(0.2 * RATE)
