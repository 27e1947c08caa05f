"""S3BlobStore against moto's real S3 HTTP server (the edge of the world) on a free port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

from songsmith.blobs.factory import make_blobs  # noqa: E402
from songsmith.blobs.local import BLOB_ID_RE, InvalidBlobId  # noqa: E402
from songsmith.blobs.s3 import S3BlobStore  # noqa: E402
from songsmith.config import Settings  # noqa: E402

BUCKET = "songsmith-test"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    mp = pytest.MonkeyPatch()
    # boto3 reads credentials from the environment; moto accepts any.
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        mp.setenv(name, value)
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    import boto3

    boto3.client("s3", endpoint_url=url, region_name="us-east-1").create_bucket(Bucket=BUCKET)
    try:
        yield url
    finally:
        server.stop()
        mp.undo()


def _settings(tmp_path: Path, endpoint: str, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path,
        "public_base_url": "http://songsmith.test:8000/",
        "blob_backend": "s3",
        "s3_bucket": BUCKET,
        "s3_endpoint_url": endpoint,
        "s3_region": "us-east-1",
        "s3_prefix": "media/",
    }
    return Settings(**{**values, **extra})


@pytest.fixture
def blobs(tmp_path: Path, endpoint: str) -> S3BlobStore:
    store = make_blobs(_settings(tmp_path, endpoint))
    assert isinstance(store, S3BlobStore)
    return store


def test_put_read_range_size_url_delete(blobs: S3BlobStore) -> None:
    blob_id = blobs.put(b"hello world", content_type="audio/mpeg", suffix="mp3")
    assert BLOB_ID_RE.match(blob_id) and blob_id.endswith(".mp3")
    assert blobs.size(blob_id) == 11
    assert b"".join(blobs.read(blob_id)) == b"hello world"
    assert b"".join(blobs.read(blob_id, 6)) == b"world"
    assert b"".join(blobs.read(blob_id, 2, 5)) == b"llo"
    assert b"".join(blobs.read(blob_id, 11)) == b""
    assert blobs.content_type(blob_id) == "audio/mpeg"
    assert blobs.url(blob_id) == f"http://songsmith.test:8000/files/{blob_id}"
    head = blobs.client.head_object(Bucket=BUCKET, Key=f"media/{blob_id}")
    assert head["ContentLength"] == 11  # stored under the prefix
    blobs.delete(blob_id)
    assert blobs.size(blob_id) is None
    with pytest.raises(FileNotFoundError):
        blobs.read(blob_id)
    blobs.delete(blob_id)  # deleting twice is harmless


def test_every_put_is_a_new_key(blobs: S3BlobStore) -> None:
    ids = [blobs.put(b"x%d" % i, content_type="image/jpeg", suffix=".jpg") for i in range(5)]
    assert len(set(ids)) == 5
    assert [b"".join(blobs.read(i)) for i in ids] == [b"x%d" % i for i in range(5)]


def test_stream_is_readable_while_it_grows(blobs: S3BlobStore) -> None:
    writer = blobs.open_append(content_type="audio/mpeg", suffix="mp3")
    assert blobs.size(writer.blob_id) is None  # nothing flushed yet
    writer.append(b"a" * 100)
    writer.flush()
    assert blobs.size(writer.blob_id) == 100
    big = b"b" * (300 * 1024)  # over the flush threshold: uploaded without an explicit flush
    writer.append(big)
    assert blobs.size(writer.blob_id) == 100 + len(big)
    writer.append(b"tail")
    writer.close()
    assert b"".join(blobs.read(writer.blob_id)) == b"a" * 100 + big + b"tail"
    assert blobs.content_type(writer.blob_id) == "audio/mpeg"
    with pytest.raises(ValueError):
        writer.append(b"late")


def test_an_empty_stream_still_makes_a_blob(blobs: S3BlobStore) -> None:
    with blobs.open_append(content_type="audio/mpeg", suffix="mp3") as writer:
        pass
    assert blobs.size(writer.blob_id) == 0


@pytest.mark.parametrize(
    "bad",
    ["../etc/passwd", "media/../x.mp3", "0" * 32, "0" * 32 + ".mp3/../../x", "A" * 32 + ".mp3",
     "", "0" * 31 + ".mp3"],
)  # fmt: skip
def test_invalid_ids_never_reach_the_bucket(blobs: S3BlobStore, bad: str) -> None:
    assert blobs.size(bad) is None
    for call in (blobs.read, blobs.delete, blobs.url, blobs.content_type):
        with pytest.raises(InvalidBlobId):
            call(bad)
    with pytest.raises(InvalidBlobId):
        blobs.put(b"x", content_type="audio/mpeg", suffix="mp3", blob_id=bad)
    with pytest.raises(ValueError):
        blobs.put(b"x", content_type="audio/mpeg", suffix="../mp3")


def test_presigned_urls_fetch_the_object(tmp_path: Path, endpoint: str) -> None:
    blobs = make_blobs(_settings(tmp_path, endpoint, s3_presign=True, s3_presign_ttl_s=600))
    blob_id = blobs.put(b"signed bytes", content_type="audio/mpeg", suffix="mp3")
    url = blobs.url(blob_id)
    assert url.startswith(endpoint + "/") and "X-Amz-Expires=600" in url
    response = httpx.get(url)
    assert response.status_code == 200 and response.content == b"signed bytes"


def test_files_route_reads_through_the_port(tmp_path: Path, endpoint: str) -> None:
    from api.helpers import free_socket, serve_in_thread
    from songsmith.api.app import create_app
    from songsmith.queue.sql import SqlQueue
    from songsmith.store.sql import SqlStore

    sock = free_socket()
    host, port = sock.getsockname()[:2]
    settings = _settings(tmp_path, endpoint, public_base_url=f"http://{host}:{port}")
    store = SqlStore(settings.resolved_database_url)
    queue = SqlQueue(settings.resolved_database_url)
    app = create_app(settings, store=store, queue=queue)  # blobs from make_blobs(settings)
    data = bytes(range(256)) * 8
    blobs = make_blobs(settings)
    blob_id = blobs.put(data, content_type="audio/mpeg", suffix="mp3")
    try:
        with serve_in_thread(app, sock):
            whole = httpx.get(blobs.url(blob_id))
            part = httpx.get(blobs.url(blob_id), headers={"Range": "bytes=10-19"})
            missing = httpx.get(f"http://{host}:{port}/files/{'0' * 32}.mp3")
    finally:
        store.close()
        queue.close()
    assert whole.status_code == 200 and whole.content == data
    assert whole.headers["content-type"] == "audio/mpeg"
    assert part.status_code == 206 and part.content == data[10:20]
    assert part.headers["content-range"] == f"bytes 10-19/{len(data)}"
    assert missing.status_code == 404


def test_unknown_backend_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="BLOB_BACKEND"):
        make_blobs(Settings(data_dir=tmp_path, blob_backend="ftp"))
    with pytest.raises(ValueError, match="bucket"):
        make_blobs(Settings(data_dir=tmp_path, blob_backend="s3"))
