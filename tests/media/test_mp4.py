"""The clip video: decoded back with PyAV (streams, codecs, durations) and captions in time."""

from __future__ import annotations

import io

import av
import numpy as np

from songsmith.engines.score import WordTiming
from songsmith.media.cover import cover_images
from songsmith.media.mp4 import FPS, FRAME_PX, caption_lines, caption_state, render_mp4

from .audio_fixtures import RATE, groove

WORDS = [
    WordTiming("[Verse]\nCity ", 1.0, 1.4),
    WordTiming("lights ", 1.5, 2.0),
    WordTiming("\nburning ", 3.0, 3.5),
    WordTiming("bright ", 3.6, 4.2),
]


def test_caption_lines_follow_line_starts_and_drop_markers() -> None:
    lines = caption_lines(WORDS)
    assert [line.words for line in lines] == [("City", "lights"), ("burning", "bright")]
    assert lines[0].start_s == 1.0 and lines[1].end_s == 4.2
    long_line = [WordTiming(f"word{i} ", i * 0.3, i * 0.3 + 0.2) for i in range(20)]
    assert len(caption_lines(long_line)) > 1  # wrapped to fit the frame


def test_caption_state_highlights_sung_words_in_time() -> None:
    lines = caption_lines(WORDS)
    assert caption_state(lines, 0.0) == (-1, 0)  # nothing before the lead-in
    assert caption_state(lines, 0.5) == (0, 0)  # the line shows just before it is sung
    assert caption_state(lines, 1.6) == (0, 2)
    assert caption_state(lines, 2.9) == (1, 0)
    assert caption_state(lines, 4.0) == (1, 2)
    assert caption_state(lines, 30.0) == (-1, 0)  # long after the last word: cleared


def _decode(data: bytes) -> tuple[dict[str, float], list[np.ndarray], np.ndarray]:
    durations: dict[str, float] = {}
    frames: list[np.ndarray] = []
    sound: list[np.ndarray] = []
    with av.open(io.BytesIO(data)) as container:
        for stream in container.streams:
            assert stream.duration is not None and stream.time_base is not None
            durations[stream.type] = float(stream.duration * stream.time_base)
        assert {s.codec_context.name for s in container.streams} == {"h264", "aac"}
        video = container.streams.video[0]
        assert video.codec_context.pix_fmt == "yuv420p"
        assert (video.codec_context.width, video.codec_context.height) == (FRAME_PX, FRAME_PX)
        audio = container.streams.audio[0]
        assert audio.rate == 44100 and audio.codec_context.channels == 2
        for frame in container.decode(video=0, audio=0):
            if isinstance(frame, av.VideoFrame):
                frames.append(frame.to_ndarray(format="rgb24"))
            else:
                sound.append(frame.to_ndarray())
    return durations, frames, np.concatenate(sound, axis=1)


def test_mp4_decodes_to_h264_and_aac_of_the_song_length() -> None:
    stems = groove(6.0)
    audio = (stems["drums"] + stems["bass"]).astype(np.float32)
    _, cover = cover_images("City Lights", "pop", 1)
    data = render_mp4(audio, RATE, cover_jpeg=cover, words=WORDS, title="City Lights")
    durations, frames, sound = _decode(data)
    assert abs(durations["video"] - 6.0) < 0.3 and abs(durations["audio"] - 6.0) < 0.1
    assert len(frames) == 6 * FPS
    assert abs(sound.shape[1] / 44100 - 6.0) < 0.1
    assert np.sqrt(np.mean(sound**2)) > 0.05  # the song is in it, not silence
    caption = slice(int(FRAME_PX * 0.72), FRAME_PX)
    blank, shown, sung = frames[0], frames[3 * FPS], frames[int(3.8 * FPS)]
    # a caption appears over the cover, and the sung words change colour as time passes
    assert np.abs(shown[caption].astype(int) - blank[caption]).mean() > 2
    assert np.abs(sung[caption].astype(int) - shown[caption]).mean() > 0.5


def test_mp4_without_a_cover_draws_a_title_card() -> None:
    audio = np.zeros((RATE * 2, 2), np.float32)
    for cover in (b"", b"\xff\xd8\xff\xd9"):  # none, and one that does not decode
        video = render_mp4(audio, RATE, cover_jpeg=cover, words=[], title="X")
        durations, frames, _ = _decode(video)
        assert abs(durations["video"] - 2.0) < 0.3 and len(frames) == 2 * FPS
        assert frames[0].std() > 1  # not a flat frame
