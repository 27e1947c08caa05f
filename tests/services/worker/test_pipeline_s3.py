"""A generate job run in-process with media in an S3 bucket (moto's real S3 HTTP server)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from songsmith_worker_helpers import submit_music

from songsmith.config import Settings
from songsmith.domain.statuses import ClipStatus
from songsmith.engines.registry import EngineRegistry
from songsmith.media.codecs import decode_audio
from songsmith.queue.sql import SqlQueue
from songsmith.services.pipeline import PipelineContext, execute
from songsmith.store.sql import SqlStore

pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")


@pytest.fixture
def s3_settings(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    import boto3

    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(
        Bucket="songsmith-media"
    )
    try:
        yield settings.model_copy(
            update={
                "blob_backend": "s3",
                "s3_bucket": "songsmith-media",
                "s3_endpoint_url": endpoint,
                "s3_region": "us-east-1",
            }
        )
    finally:
        server.stop()


def test_generate_writes_its_media_to_the_bucket(
    s3_settings: Settings, store: SqlStore, queue: SqlQueue
) -> None:
    from songsmith.blobs.factory import make_blobs
    from songsmith.blobs.s3 import S3BlobStore

    blobs = make_blobs(s3_settings)
    assert isinstance(blobs, S3BlobStore)
    task_id = submit_music(store, queue, n_clips=1, duration_s=1.0)
    lease = queue.claim("w", ["testing"], 5.0)
    assert lease is not None
    execute(PipelineContext(s3_settings, store, blobs, EngineRegistry(s3_settings)), lease)
    (clip,) = store.get_clips(task_id)
    assert clip.status is ClipStatus.COMPLETE
    audio, rate = decode_audio(blobs.read_bytes(clip.artifacts["mp3"]), {"mp3"})
    assert rate == 44100 and len(audio) > 0.8 * rate
    stream, _ = decode_audio(blobs.read_bytes(clip.artifacts["stream"]), {"mp3"})
    assert len(stream) > 0.8 * len(audio)  # the growing object's last upload is complete
    keys = {o["Key"] for o in blobs.client.list_objects_v2(Bucket="songsmith-media")["Contents"]}
    assert set(clip.artifacts.values()) <= keys
    # nothing under the local data folder: the bucket is the only media store
    assert not any(s3_settings.blob_dir.rglob("*.mp3"))
