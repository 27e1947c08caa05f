"""The blob port: write-once media addressed by opaque ids (never by paths)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol


class BlobStore(Protocol):
    def put(self, data: bytes, *, content_type: str, suffix: str) -> str: ...
    # returns a new unguessable blob id (e.g. "3f2a...c9.mp3"); temp + fsync + rename
    def open_append(self, *, content_type: str, suffix: str) -> BlobWriter: ...  # streams
    def size(self, blob_id: str) -> int | None: ...  # None: no such blob
    def read(self, blob_id: str, start: int = 0, end: int | None = None) -> Iterator[bytes]: ...
    def content_type(self, blob_id: str) -> str: ...
    def delete(self, blob_id: str) -> None: ...
    def url(self, blob_id: str) -> str: ...  # absolute, from the configured public base URL


class BlobWriter(Protocol):
    blob_id: str

    def append(self, data: bytes) -> None: ...  # readers see what has been flushed so far
    def close(self) -> None: ...
