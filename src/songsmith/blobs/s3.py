"""`S3BlobStore`: the blob port over an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, R2...).

Needs the optional extra `s3` (boto3). Credentials come from boto3's usual chain (the
`AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` variables, a profile, an instance role), never
from songsmith settings.

- Keys are `<prefix><blob id>` with the same 128-bit random ids as `LocalBlobStore`, validated
  before any request, so a download can never name another key (S6). Every `put` and every
  stream gets a fresh id: an attempt never overwrites what another attempt wrote.
- URLs are stable by default: `<public base>/files/<id>`, served by songsmith's own route, which
  reads through this port (Range included). With `presign=True` clips carry presigned GET URLs
  instead; those expire after `presign_ttl_s` (at most 7 days for SigV4), so a client that stores
  a URL must fetch the task again to get a fresh one.
- Streams (`open_append`): an S3 object cannot grow, and a multipart upload shows nothing until it
  completes. The writer therefore rewrites the whole (growing) object under its own key whenever
  enough new bytes or time have gone by, and once more at `close`. Readers see the last rewrite.
  Caveat: bytes uploaded grow quadratically with the stream's length (a 5 MB mp3 flushed every
  256 KiB uploads about 50 MB), which is fine for songs, not for hour-long media.
"""

from __future__ import annotations

import functools
import secrets
import time
from collections.abc import Iterator
from typing import Any

from songsmith.blobs.local import _DEFAULT_TYPES, _SUFFIX_RE, InvalidBlobId, validate_blob_id

_CHUNK = 64 * 1024
STREAM_FLUSH_BYTES = 256 * 1024
STREAM_FLUSH_S = 1.0
MAX_PRESIGN_TTL_S = 7 * 24 * 3600
_MISSING_CODES = {"404", "NoSuchKey", "NotFound"}


def _missing(exc: Exception) -> bool:
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return False
    code = str(response.get("Error", {}).get("Code", ""))
    return code in _MISSING_CODES


class S3BlobWriter:
    """A stream whose object is rewritten as it grows (see the module note)."""

    def __init__(
        self,
        store: S3BlobStore,
        blob_id: str,
        content_type: str,
        *,
        flush_bytes: int = STREAM_FLUSH_BYTES,
        flush_s: float = STREAM_FLUSH_S,
    ) -> None:
        self.blob_id = blob_id
        self._store = store
        self._content_type = content_type
        self._buffer = bytearray()
        self._flushed = 0
        self._flush_bytes = flush_bytes
        self._flush_s = flush_s
        self._last_flush = time.monotonic()
        self.closed = False

    def append(self, data: bytes) -> None:
        if self.closed:
            raise ValueError("append to a closed blob stream")
        self._buffer += data
        pending = len(self._buffer) - self._flushed
        if pending >= self._flush_bytes or time.monotonic() - self._last_flush >= self._flush_s:
            self.flush()

    def flush(self) -> None:
        """Upload everything written so far (readers see it after this returns)."""
        self._store._upload(self.blob_id, bytes(self._buffer), self._content_type)
        self._flushed = len(self._buffer)
        self._last_flush = time.monotonic()

    def close(self) -> None:
        if self.closed:
            return
        if self._flushed != len(self._buffer) or self._flushed == 0:
            self.flush()
        self.closed = True

    def __enter__(self) -> S3BlobWriter:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class S3BlobStore:
    """Implements `songsmith.blobs.typing.BlobStore` over `bucket` (keys under `prefix`)."""

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str = "",
        region: str = "",
        prefix: str = "",
        public_base_url: str,
        presign: bool = False,
        presign_ttl_s: int = MAX_PRESIGN_TTL_S,
        client: Any = None,
    ) -> None:
        if not bucket:
            raise ValueError("S3BlobStore needs a bucket (SONGSMITH_S3_BUCKET).")
        self.bucket = bucket
        self.prefix = prefix
        self.public_base_url = public_base_url.rstrip("/")
        self.presign = presign
        # SigV4 refuses URLs valid longer than 7 days: clamp rather than mint dead links.
        self.presign_ttl_s = max(1, min(presign_ttl_s, MAX_PRESIGN_TTL_S))
        self.client = client if client is not None else _make_client(endpoint_url, region)

    # --- ids and keys ----------------------------------------------------------------------
    def new_id(self, suffix: str) -> str:
        # The folder store's id scheme, so one validator guards every backend.
        suffix = suffix.lstrip(".").lower()
        if not _SUFFIX_RE.match(suffix):
            raise ValueError(f"Blob suffix {suffix!r} is not allowed.")
        return f"{secrets.token_hex(16)}.{suffix}"

    def key(self, blob_id: str) -> str:
        return self.prefix + validate_blob_id(blob_id)

    def _upload(self, blob_id: str, data: bytes, content_type: str) -> None:
        self.client.put_object(
            Bucket=self.bucket, Key=self.key(blob_id), Body=data, ContentType=content_type
        )

    # --- the port ----------------------------------------------------------------------------
    def put(
        self, data: bytes, *, content_type: str, suffix: str, blob_id: str | None = None
    ) -> str:
        # A single PUT is atomic in S3: readers see no object or the whole object.
        blob_id = validate_blob_id(blob_id) if blob_id is not None else self.new_id(suffix)
        self._upload(blob_id, data, content_type)
        return blob_id

    def open_append(
        self, *, content_type: str, suffix: str, blob_id: str | None = None
    ) -> S3BlobWriter:
        blob_id = validate_blob_id(blob_id) if blob_id is not None else self.new_id(suffix)
        return S3BlobWriter(self, blob_id, content_type)

    def _head(self, blob_id: str) -> dict[str, Any] | None:
        try:
            key = self.key(blob_id)
        except InvalidBlobId:
            return None
        try:
            head: dict[str, Any] = self.client.head_object(Bucket=self.bucket, Key=key)
        except Exception as exc:
            if _missing(exc):
                return None
            raise
        return head

    def size(self, blob_id: str) -> int | None:
        head = self._head(blob_id)
        return None if head is None else int(head["ContentLength"])

    def exists(self, blob_id: str) -> bool:
        return self.size(blob_id) is not None

    def content_type(self, blob_id: str) -> str:
        head = self._head(blob_id)
        if head is not None and head.get("ContentType"):
            return str(head["ContentType"])
        return _DEFAULT_TYPES.get(
            validate_blob_id(blob_id).rsplit(".", 1)[1], "application/octet-stream"
        )

    def read(self, blob_id: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Bytes [start, end) (end None: to the end). Raises FileNotFoundError, like the folder
        store, when there is no such blob; the request is made before this returns."""
        key = self.key(blob_id)
        start = max(0, start)
        if end is not None and end <= start:
            return iter(())
        last = "" if end is None else str(end - 1)
        try:
            response = self.client.get_object(
                Bucket=self.bucket, Key=key, Range=f"bytes={start}-{last}"
            )
        except Exception as exc:
            if _missing(exc):
                raise FileNotFoundError(blob_id) from exc
            if "InvalidRange" in str(exc):  # start at or past the end: nothing to read
                return iter(())
            raise
        return self._iter(response["Body"])

    @staticmethod
    def _iter(body: Any) -> Iterator[bytes]:
        try:
            yield from body.iter_chunks(_CHUNK)
        finally:
            body.close()

    def read_bytes(self, blob_id: str) -> bytes:
        return b"".join(self.read(blob_id))

    def delete(self, blob_id: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.key(blob_id))

    def url(self, blob_id: str) -> str:
        validate_blob_id(blob_id)
        if not self.presign:
            return f"{self.public_base_url}/files/{blob_id}"
        return str(
            self.client.generate_presigned_url(
                "get_object",
                Params={"Bucket": self.bucket, "Key": self.key(blob_id)},
                ExpiresIn=self.presign_ttl_s,
            )
        )


@functools.lru_cache(maxsize=8)
def _make_client(endpoint_url: str, region: str) -> Any:
    """One client per (endpoint, region) per process: clients are thread-safe and slow to make
    (webhook payloads build a store per callback)."""
    try:
        import boto3
        from botocore.config import Config
    except ImportError as exc:  # the optional extra is not installed
        raise RuntimeError(
            "SONGSMITH_BLOB_BACKEND=s3 needs boto3: install songsmith[s3] (uv sync --extra s3)."
        ) from exc
    # Path-style addressing for custom endpoints: MinIO and most self-hosted servers have no
    # wildcard DNS for virtual-hosted buckets.
    style = "path" if endpoint_url else "auto"
    config = Config(signature_version="s3v4", s3={"addressing_style": style})
    return boto3.client(
        "s3", endpoint_url=endpoint_url or None, region_name=region or None, config=config
    )
