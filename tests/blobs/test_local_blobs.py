"""LocalBlobStore: ids only, atomic writes, growing streams, ranges."""

from __future__ import annotations

from pathlib import Path

import pytest

from songsmith.blobs.local import BLOB_ID_RE, InvalidBlobId, LocalBlobStore


@pytest.fixture
def blobs(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "blobs", "http://example.test:8000/")


def test_put_read_url_delete(blobs: LocalBlobStore) -> None:
    blob_id = blobs.put(b"hello world", content_type="audio/mpeg", suffix="mp3")
    assert BLOB_ID_RE.match(blob_id) and blob_id.endswith(".mp3")
    assert blobs.size(blob_id) == 11
    assert b"".join(blobs.read(blob_id)) == b"hello world"
    assert b"".join(blobs.read(blob_id, 6)) == b"world"
    assert b"".join(blobs.read(blob_id, 2, 5)) == b"llo"
    assert blobs.content_type(blob_id) == "audio/mpeg"
    assert blobs.url(blob_id) == f"http://example.test:8000/files/{blob_id}"
    blobs.delete(blob_id)
    assert blobs.size(blob_id) is None
    with pytest.raises(FileNotFoundError):
        blobs.read(blob_id)


def test_ids_are_unique_and_unguessable(blobs: LocalBlobStore) -> None:
    ids = {blobs.put(b"x", content_type="image/jpeg", suffix=".jpg") for _ in range(50)}
    assert len(ids) == 50
    assert all(len(i.split(".")[0]) == 32 for i in ids)


def test_unusual_content_type_is_remembered(blobs: LocalBlobStore) -> None:
    blob_id = blobs.put(b"{}", content_type="application/vnd.songsmith.timing+json", suffix="json")
    assert blobs.content_type(blob_id) == "application/vnd.songsmith.timing+json"


@pytest.mark.parametrize(
    "bad",
    [
        "../etc/passwd",
        "..%2F..%2Fetc%2Fpasswd",
        "/etc/passwd",
        "a" * 32 + ".mp3/../../x",
        "a" * 32 + ".mp3\x00",
        "A" * 32 + ".mp3",
        "a" * 31 + ".mp3",
        "a" * 32,
        "",
        "a" * 32 + ".mp3\n",
    ],
)
def test_paths_are_never_accepted(blobs: LocalBlobStore, bad: str) -> None:
    assert blobs.size(bad) is None
    with pytest.raises(InvalidBlobId):
        blobs.read(bad)
    with pytest.raises(InvalidBlobId):
        blobs.delete(bad)
    with pytest.raises(InvalidBlobId):
        blobs.url(bad)


def test_bad_suffix_rejected(blobs: LocalBlobStore) -> None:
    with pytest.raises(ValueError):
        blobs.put(b"x", content_type="audio/mpeg", suffix="../mp3")


def test_append_stream_grows_while_open(blobs: LocalBlobStore) -> None:
    writer = blobs.open_append(content_type="audio/mpeg", suffix="mp3")
    assert blobs.size(writer.blob_id) == 0
    writer.append(b"abc")
    assert blobs.size(writer.blob_id) == 3
    assert b"".join(blobs.read(writer.blob_id)) == b"abc"
    writer.append(b"def")
    assert b"".join(blobs.read(writer.blob_id, 1)) == b"bcdef"
    writer.close()
    writer.close()
    assert blobs.size(writer.blob_id) == 6


def test_no_temp_files_left_behind(blobs: LocalBlobStore, tmp_path: Path) -> None:
    for _ in range(5):
        blobs.put(b"data", content_type="audio/wav", suffix="wav")
    assert list((tmp_path / "blobs" / "tmp").iterdir()) == []
