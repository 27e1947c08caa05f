"""`/files/{blob_id}`: capability URLs with HTTP Range; ids only, never paths (S6)."""

from __future__ import annotations

import pytest

from api.helpers import Api


@pytest.fixture(scope="module")
def blob(api: Api) -> tuple[str, bytes]:
    data = bytes(range(256)) * 40
    return api.blobs.put(data, content_type="audio/mpeg", suffix="mp3"), data


def test_whole_file(api: Api, blob: tuple[str, bytes]) -> None:
    blob_id, data = blob
    with api.client() as client:
        response = client.get(f"/files/{blob_id}")
    assert response.status_code == 200
    assert response.content == data
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["content-type"] == "audio/mpeg"
    assert response.headers["content-length"] == str(len(data))


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [("bytes=0-9", 0, 10), ("bytes=100-", 100, 10240), ("bytes=-16", 10224, 10240),
     ("bytes=10200-99999", 10200, 10240)],
)  # fmt: skip
def test_ranges(api: Api, blob: tuple[str, bytes], header: str, start: int, end: int) -> None:
    blob_id, data = blob
    with api.client() as client:
        response = client.get(f"/files/{blob_id}", headers={"Range": header})
    assert response.status_code == 206
    assert response.content == data[start:end]
    assert response.headers["content-range"] == f"bytes {start}-{end - 1}/{len(data)}"


def test_unsatisfiable_range(api: Api, blob: tuple[str, bytes]) -> None:
    blob_id, data = blob
    with api.client() as client:
        response = client.get(f"/files/{blob_id}", headers={"Range": "bytes=99999-"})
    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{len(data)}"


def test_head(api: Api, blob: tuple[str, bytes]) -> None:
    blob_id, data = blob
    with api.client() as client:
        response = client.head(f"/files/{blob_id}")
    assert response.status_code == 200
    assert response.headers["content-length"] == str(len(data))
    assert response.content == b""


@pytest.mark.parametrize(
    "name",
    ["0" * 32 + ".mp3", "..%2F..%2Fsongsmith.db", "%2Fetc%2Fpasswd", "songsmith.db",
     "abc%00.mp3", ".types.json", "..", "tmp"],
)  # fmt: skip
def test_unknown_or_path_like_ids_are_404(api: Api, name: str) -> None:
    with api.client() as client:
        response = client.get(f"/files/{name}")
    assert response.status_code == 404
    assert b"sqlite" not in response.content.lower()
