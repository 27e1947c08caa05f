"""The clip video of `act/mp4`: H.264 + AAC, the cover (or a waveform visual) with lyric captions.

A music video here is a still picture that changes only when the lyrics do, so it is encoded at a
low frame rate: each caption state (line on screen, words already sung) is drawn once with Pillow
and reused for every frame it covers; only a thin play-head over the waveform strip moves, which
is a numpy slice per frame. x264's `stillimage` tuning spends almost nothing on unchanged frames.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from songsmith.media.codecs import DELIVERY_RATE, resample

if TYPE_CHECKING:
    from songsmith.engines.score import WordTiming
    from songsmith.engines.typing import Audio

FRAME_PX = 720  # square, a multiple of 16 (yuv420p macroblocks)
FPS = 4
AAC_BIT_RATE = 192_000
# FFmpeg's "fast" AAC coder costs half of the default two-loop search, inaudibly at 192k.
AAC_OPTIONS = {"aac_coder": "fast"}
X264_OPTIONS = {"preset": "veryfast", "tune": "stillimage", "crf": "26"}
_CAPTION_TOP = 0.70  # captions occupy the bottom 30% of the frame
_STRIP_TOP, _STRIP_BOTTOM = 0.635, 0.685  # waveform strip just above them
_LEAD_IN_S = 0.6  # a line appears this long before its first word
_HOLD_S = 2.5  # and stays this long after its last word when nothing follows
_LINE_CHARS = 34
_SUNG = (255, 214, 90)
_UNSUNG = (255, 255, 255)
_NEXT = (190, 190, 190)


@dataclass(frozen=True)
class CaptionLine:
    """One lyric line as shown: its words (markers stripped) and their times."""

    words: tuple[str, ...]
    starts: tuple[float, ...]
    start_s: float
    end_s: float


def caption_lines(words: Sequence[WordTiming]) -> list[CaptionLine]:
    """Group word timings into lines: a word carrying a newline (a section or line start) opens
    a new line, and lines longer than the screen holds are wrapped."""
    lines: list[list[tuple[str, float, float]]] = []
    for word in words:
        text = word.word
        opens = "\n" in text or not lines
        shown = text.rsplit("\n", 1)[-1].strip()
        if shown.startswith("[") and shown.endswith("]"):
            shown = ""  # a bare marker word carries no sung text
        if opens:
            lines.append([])
        if shown:
            current = lines[-1]
            if current and sum(len(w) + 1 for w, _, _ in current) + len(shown) > _LINE_CHARS:
                lines.append([])
            lines[-1].append((shown, float(word.start_s), float(word.end_s)))
    return [
        CaptionLine(
            words=tuple(w for w, _, _ in line),
            starts=tuple(s for _, s, _ in line),
            start_s=line[0][1],
            end_s=max(e for _, _, e in line),
        )
        for line in lines
        if line
    ]


def caption_state(lines: Sequence[CaptionLine], t: float) -> tuple[int, int]:
    """(line index or -1, words of it already sung) at time `t`: what the frame shows."""
    current = -1
    for index, line in enumerate(lines):
        if line.start_s - _LEAD_IN_S <= t:
            current = index
        else:
            break
    if current < 0:
        return (-1, 0)
    line = lines[current]
    following = lines[current + 1].start_s if current + 1 < len(lines) else math.inf
    if t > line.end_s + _HOLD_S and t < following - _LEAD_IN_S:
        return (-1, 0)
    sung = sum(1 for start in line.starts if start <= t)
    return (current, sung)


def _font(px: int) -> Any:
    from PIL import ImageFont

    return ImageFont.load_default(size=px)


def _background(cover_jpeg: bytes, audio: Audio, title: str) -> Any:
    """The still picture: the cover filling the frame, or (no cover) a dark field with the
    title; darkened at the bottom so captions stay readable on any cover."""
    from PIL import Image, ImageDraw

    size = FRAME_PX
    image: Any = None
    if cover_jpeg:
        try:
            with Image.open(io.BytesIO(cover_jpeg)) as opened:
                image = opened.convert("RGB").resize((size, size), Image.Resampling.BILINEAR)
        except (OSError, ValueError, SyntaxError):  # unreadable cover: the title card instead
            image = None
    if image is None:
        ramp = np.linspace(18, 48, size, dtype=np.float32)[:, None, None]
        pixels = np.broadcast_to(ramp * np.array([0.6, 0.7, 1.0]), (size, size, 3))
        image = Image.fromarray(pixels.astype(np.uint8), "RGB")
        draw = ImageDraw.Draw(image)
        font = _font(52)
        y = size * 0.22
        for line in textwrap.wrap(" ".join(title.split()) or "Untitled", width=20)[:3]:
            width = draw.textlength(line, font=font)
            draw.text(((size - width) / 2, y), line, font=font, fill=(240, 240, 240))
            y += 64
    shade = np.asarray(image, dtype=np.float32)
    top = int(size * (_STRIP_TOP - 0.02))
    fade = np.linspace(1.0, 0.35, size - top, dtype=np.float32)[:, None, None]
    shade[top:] *= fade
    return Image.fromarray(shade.astype(np.uint8), "RGB")


def _waveform_mask(audio: Audio) -> np.ndarray[Any, Any]:
    """Boolean (rows, FRAME_PX) mask of the waveform strip: one peak bar per pixel column."""
    from songsmith.media.waveform import envelope

    height = int(FRAME_PX * (_STRIP_BOTTOM - _STRIP_TOP))
    peaks = np.asarray(envelope(audio, FRAME_PX), dtype=np.float32)
    half = np.maximum(1, np.round(peaks * (height / 2 - 1))).astype(np.int64)
    rows = np.abs(np.arange(height) - height // 2)[:, None]
    mask = rows <= half[None, :]
    return mask


def _draw_caption(base: Any, lines: Sequence[CaptionLine], state: tuple[int, int]) -> Any:
    from PIL import ImageDraw

    image = base.copy()
    index, sung = state
    if index < 0:
        return image
    draw = ImageDraw.Draw(image)
    size = FRAME_PX
    big, small = _font(40), _font(30)
    y = size * (_CAPTION_TOP + 0.04)
    line = lines[index]
    parts = list(line.words)
    widths = [draw.textlength(w + " ", font=big) for w in parts]
    x = (size - sum(widths)) / 2
    for i, (word, width) in enumerate(zip(parts, widths, strict=True)):
        colour = _SUNG if i < sung else _UNSUNG
        draw.text((x + 2, y + 2), word, font=big, fill=(0, 0, 0))
        draw.text((x, y), word, font=big, fill=colour)
        x += width
    if index + 1 < len(lines):
        upcoming = " ".join(lines[index + 1].words)
        width = draw.textlength(upcoming, font=small)
        draw.text(((size - width) / 2, y + 64), upcoming, font=small, fill=_NEXT)
    return image


class _AudioMuxer:
    """Encodes the song's sound in AAC frames up to a given sample, as the video advances."""

    def __init__(self, container: Any, stream: Any, stereo: Audio) -> None:
        self._container = container
        self._stream = stream
        self._planar = np.ascontiguousarray(stereo.T)
        self._frame_size = int(stream.codec_context.frame_size or 1024)
        self._done = 0

    def until(self, sample: int) -> None:
        import av

        total = self._planar.shape[1]
        while self._done < min(sample, total):
            start = self._done
            block = np.ascontiguousarray(self._planar[:, start : start + self._frame_size])
            frame = av.AudioFrame.from_ndarray(block, format="fltp", layout="stereo")
            frame.sample_rate = DELIVERY_RATE
            frame.pts = start
            for packet in self._stream.encode(frame):
                self._container.mux(packet)
            self._done = start + block.shape[1]

    def finish(self) -> None:
        self.until(self._planar.shape[1])
        for packet in self._stream.encode(None):
            self._container.mux(packet)


def render_mp4(
    audio: Audio,
    sr: int,
    *,
    cover_jpeg: bytes,
    words: list[WordTiming],
    title: str,
    fps: int = FPS,
) -> bytes:
    """An mp4 (H.264 yuv420p video + AAC 44.1 kHz stereo audio) as long as `audio`.

    `cover_jpeg` b"" draws a title card instead of a cover. Captions follow `words` (score
    times): the current line, its sung words highlighted, the next line below it.
    """
    import av

    stereo = resample(audio, sr)
    duration = len(stereo) / DELIVERY_RATE
    lines = caption_lines(words)
    base = _background(cover_jpeg, stereo, title)
    mask = _waveform_mask(stereo)
    strip_top = int(FRAME_PX * _STRIP_TOP)
    strip_rows = slice(strip_top, strip_top + mask.shape[0])

    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        video = container.add_stream("libx264", rate=fps, options=dict(X264_OPTIONS))
        video.width = video.height = FRAME_PX
        video.pix_fmt = "yuv420p"
        video.codec_context.time_base = Fraction(1, fps)
        video.codec_context.gop_size = fps * 10
        sound = container.add_stream(
            "aac", rate=DELIVERY_RATE, layout="stereo", options=dict(AAC_OPTIONS)
        )
        sound.bit_rate = AAC_BIT_RATE

        audio_out = _AudioMuxer(container, sound, stereo)
        frames = max(1, math.ceil(duration * fps))
        cached_state: tuple[int, int] | None = None
        cached: np.ndarray[Any, Any] = np.zeros(0)
        for index in range(frames):
            t = index / fps
            state = caption_state(lines, t)
            if state != cached_state:
                cached = np.asarray(_draw_caption(base, lines, state), dtype=np.uint8)
                cached_state = state
            pixels = cached.copy()
            head = int(FRAME_PX * min(1.0, t / duration)) if duration > 0 else 0
            region = pixels[strip_rows]
            region[:, :head][mask[:, :head]] = _SUNG
            region[:, head:][mask[:, head:]] = _UNSUNG
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts = index
            for packet in video.encode(frame):
                container.mux(packet)
            # Interleave: the sound of this frame's interval goes in right after it, so a
            # player reading the file front to back never waits on one stream.
            audio_out.until(round((index + 1) / fps * DELIVERY_RATE))
        for packet in video.encode(None):
            container.mux(packet)
        audio_out.finish()
    return buffer.getvalue()
