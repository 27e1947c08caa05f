"""`ClipStream`: the progressive mp3 a clip serves while it is `streaming`.

The engine's chunks (a preview of the song's opening, for the builtin engine) are encoded and
appended as they come. Once the clip's final mp3 exists, the stream goes on with that file's own
frames (`media.lame.continue_stream`) instead of encoding the rest of the song a second time:
that second encode was about 1 s of a 3-minute song's 8 s CPU budget. Listeners hear the preview,
then the mastered song from the same point on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from songsmith.media import lame
from songsmith.media.codecs import DELIVERY_RATE, Mp3StreamEncoder

if TYPE_CHECKING:
    from songsmith.blobs.typing import BlobStore, BlobWriter
    from songsmith.engines.typing import Audio


class ClipStream:
    def __init__(
        self, blobs: BlobStore, sample_rate: int, on_open: Callable[[str], None] | None = None
    ) -> None:
        self._blobs = blobs
        self._sample_rate = sample_rate
        self._on_open = on_open
        self._encoder: Mp3StreamEncoder | None = None
        self._writer: BlobWriter | None = None
        self._frames_sent = 0  # whole frames appended so far
        self._partial = b""  # appended bytes after the last whole frame (LAME cuts anywhere)
        self._samples_in = 0
        self._closed = False

    @property
    def blob_id(self) -> str | None:
        """The stream's blob, once its first bytes are written."""
        return self._writer.blob_id if self._writer is not None else None

    def feed(self, chunk: Audio) -> None:
        """Encode and append one chunk of pre-master audio at the engine's sample rate."""
        if self._closed:
            raise RuntimeError("ClipStream.feed after the stream was finished")
        if self._encoder is None:
            self._encoder = Mp3StreamEncoder(self._sample_rate)
        data = self._encoder.feed(chunk)
        self._samples_in += len(chunk)
        if not data:
            return
        self._count_frames(data)
        if self._writer is None:
            self._writer = self._blobs.open_append(content_type="audio/mpeg", suffix="mp3")
            self._writer.append(data)  # the blob has playable bytes before anyone is told of it
            if self._on_open is not None:
                self._on_open(self._writer.blob_id)
            return
        self._writer.append(data)

    def _count_frames(self, data: bytes) -> None:
        pending = self._partial + data
        offsets = lame.frame_offsets(pending)
        if offsets:
            self._frames_sent += len(offsets)
            pending = pending[offsets[-1] + lame.frame_length(pending, offsets[-1]) :]
        self._partial = pending

    def _splice(self, final_mp3: bytes) -> bytes:
        """The rest of the stream from the final mp3: the frame LAME was midway through is
        completed from the encoder's last bytes first, so every frame in the stream is whole."""
        assert self._encoder is not None
        rest = self._encoder.flush()
        completion = b""
        if self._partial:
            completion = rest[: lame.frame_length(self._partial) - len(self._partial)]
            self._frames_sent += 1
        return completion + lame.continue_stream(self._frames_sent, final_mp3)

    def finish(self, final_mp3: bytes | None = None, total_samples: int = 0) -> None:
        """Complete and close the stream: with `final_mp3`'s frames where the engine's chunks
        stopped short of the song's `total_samples`, else with the encoder's last frames."""
        if self._closed:
            return
        self._closed = True
        if self._writer is None or self._encoder is None:
            return
        try:
            spliceable = self._sample_rate == DELIVERY_RATE and self._samples_in < total_samples
            if final_mp3 is not None and spliceable:
                self._writer.append(self._splice(final_mp3))
            else:
                self._writer.append(self._encoder.flush())
        finally:
            self._writer.close()
