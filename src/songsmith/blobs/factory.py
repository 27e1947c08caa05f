"""`make_blobs(settings)`: the one place that picks the blob store from settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from songsmith.blobs.typing import BlobStore
    from songsmith.config import Settings

BACKENDS = ("local", "s3")


def make_blobs(settings: Settings) -> BlobStore:
    """`SONGSMITH_BLOB_BACKEND`: "local" (default; `data_dir/blobs`, may be a shared folder) or
    "s3" (`SONGSMITH_S3_*`; needs the `s3` extra)."""
    backend = (settings.blob_backend or "local").strip().lower()
    if backend == "local":
        from songsmith.blobs.local import LocalBlobStore

        return LocalBlobStore(settings.blob_dir, settings.resolved_public_base_url)
    if backend == "s3":
        from songsmith.blobs.s3 import S3BlobStore

        return S3BlobStore(
            settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            prefix=settings.s3_prefix,
            public_base_url=settings.resolved_public_base_url,
            presign=settings.s3_presign,
            presign_ttl_s=settings.s3_presign_ttl_s,
        )
    raise ValueError(f"Unknown SONGSMITH_BLOB_BACKEND {settings.blob_backend!r}; use {BACKENDS}.")
