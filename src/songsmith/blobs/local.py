"""`LocalBlobStore`: blobs as files in one folder, addressed by validated opaque ids.

Ids are 32 random hex digits plus a suffix from a short allowlist; every public method validates
the id against a strict regex before touching the filesystem, so a download can never name a path
(S6). Finished blobs are written to a temp name, fsynced and renamed (no partial file under a final
name); streams are appended in place so readers can serve what has been written so far.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

BLOB_ID_RE = re.compile(r"\A[0-9a-f]{32}\.[a-z0-9]{1,8}\Z")
_SUFFIX_RE = re.compile(r"\A[a-z0-9]{1,8}\Z")
_CHUNK = 64 * 1024
_TYPES_FILE = ".types.json"

_DEFAULT_TYPES = {
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    "mp4": "video/mp4",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "json": "application/json",
    "mid": "audio/midi",
    "midi": "audio/midi",
    "flac": "audio/flac",
    "ogg": "audio/ogg",
}


class InvalidBlobId(ValueError):
    """The id is not one this store could have issued."""


def validate_blob_id(blob_id: str) -> str:
    if not isinstance(blob_id, str) or not BLOB_ID_RE.match(blob_id):
        raise InvalidBlobId("Not a valid blob id.")
    return blob_id


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in `path` durable (the folder's own entry list)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalBlobWriter:
    """An append-only blob that grows while it is written (progressive mp3 streams)."""

    def __init__(
        self, path: Path, blob_id: str, check_space: Callable[[int], None] | None = None
    ) -> None:
        self.blob_id = blob_id
        self._file = open(path, "xb")
        self._check_space = check_space
        self.closed = False

    def append(self, data: bytes) -> None:
        if self._check_space is not None:
            self._check_space(len(data))
        self._file.write(data)
        self._file.flush()  # readers see it now; fsync at close

    def close(self) -> None:
        if self.closed:
            return
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        self.closed = True

    def __enter__(self) -> LocalBlobWriter:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class LocalBlobStore:
    """Implements `songsmith.blobs.typing.BlobStore` over the folder `root`."""

    def __init__(self, root: str | Path, public_base_url: str) -> None:
        self.root = Path(root).resolve()
        self.public_base_url = public_base_url.rstrip("/")
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "tmp").mkdir(exist_ok=True)

    def new_id(self, suffix: str) -> str:
        """A fresh blob id; `put`/`open_append` accept it so a caller can record it first."""
        return self._new_id(suffix)

    def check_space(self, nbytes: int) -> None:
        """Called before every write of `nbytes`: the filesystem reports a full disk by raising
        OSError(ENOSPC) mid-write. A no-op here; a subclass can refuse early (tests, quotas)."""

    def _new_id(self, suffix: str) -> str:
        suffix = suffix.lstrip(".").lower()
        if not _SUFFIX_RE.match(suffix):
            raise ValueError(f"Blob suffix {suffix!r} is not allowed.")
        return f"{secrets.token_hex(16)}.{suffix}"

    def path(self, blob_id: str) -> Path:
        """The file behind an id (for sendfile-style serving). Validates the id."""
        validate_blob_id(blob_id)
        # Two-level fan-out keeps directories small.
        return self.root / blob_id[:2] / blob_id

    def _remember_type(self, blob_id: str, content_type: str) -> None:
        suffix = blob_id.rsplit(".", 1)[1]
        if _DEFAULT_TYPES.get(suffix) == content_type:
            return
        # Rare: a content type the suffix does not imply. Stored beside the blob.
        side = self.path(blob_id).with_name(blob_id + ".type")
        side.write_text(json.dumps(content_type))

    def put(
        self, data: bytes, *, content_type: str, suffix: str, blob_id: str | None = None
    ) -> str:
        blob_id = validate_blob_id(blob_id) if blob_id is not None else self._new_id(suffix)
        final = self.path(blob_id)
        final.parent.mkdir(exist_ok=True)
        tmp = self.tmp_prefix(blob_id).with_name(f"{blob_id}.{secrets.token_hex(4)}.part")
        try:
            with open(tmp, "xb") as out:
                self.check_space(len(data))
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            self._remember_type(blob_id, content_type)
            os.replace(tmp, final)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        fsync_dir(final.parent)
        return blob_id

    def tmp_prefix(self, blob_id: str) -> Path:
        """Temp files of `put(blob_id)` are named `<this>.<random>.part`."""
        return self.root / "tmp" / validate_blob_id(blob_id)

    def delete_temps(self, blob_id: str) -> int:
        """Remove temp files a killed `put` of this id left behind; returns how many."""
        prefix = self.tmp_prefix(blob_id)
        removed = 0
        for part in prefix.parent.glob(f"{prefix.name}.*.part"):
            part.unlink(missing_ok=True)
            removed += 1
        return removed

    def open_append(
        self, *, content_type: str, suffix: str, blob_id: str | None = None
    ) -> LocalBlobWriter:
        blob_id = validate_blob_id(blob_id) if blob_id is not None else self._new_id(suffix)
        final = self.path(blob_id)
        final.parent.mkdir(exist_ok=True)
        self._remember_type(blob_id, content_type)
        writer = LocalBlobWriter(final, blob_id, self.check_space)
        fsync_dir(final.parent)
        return writer

    def size(self, blob_id: str) -> int | None:
        try:
            return self.path(blob_id).stat().st_size
        except (FileNotFoundError, InvalidBlobId):
            return None

    def exists(self, blob_id: str) -> bool:
        return self.size(blob_id) is not None

    def read(self, blob_id: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Bytes [start, end) (end None: to the current end). Raises FileNotFoundError."""
        path = self.path(blob_id)
        handle = open(path, "rb")
        return self._iter(handle, start, end)

    @staticmethod
    def _iter(handle: BinaryIO, start: int, end: int | None) -> Iterator[bytes]:
        with handle:
            handle.seek(max(0, start))
            remaining = None if end is None else max(0, end - max(0, start))
            while remaining is None or remaining > 0:
                chunk = handle.read(_CHUNK if remaining is None else min(_CHUNK, remaining))
                if not chunk:
                    return
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk

    def read_bytes(self, blob_id: str) -> bytes:
        return b"".join(self.read(blob_id))

    def content_type(self, blob_id: str) -> str:
        side = self.path(blob_id).with_name(blob_id + ".type")
        if side.exists():
            return str(json.loads(side.read_text()))
        return _DEFAULT_TYPES.get(blob_id.rsplit(".", 1)[1], "application/octet-stream")

    def delete(self, blob_id: str) -> None:
        path = self.path(blob_id)
        path.unlink(missing_ok=True)
        path.with_name(blob_id + ".type").unlink(missing_ok=True)

    def url(self, blob_id: str) -> str:
        validate_blob_id(blob_id)
        return f"{self.public_base_url}/files/{blob_id}"
