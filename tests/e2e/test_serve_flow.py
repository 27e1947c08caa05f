"""End to end over `songsmith serve` (real uvicorn, real worker processes, `testing` engine).

submit -> poll -> SUCCESS -> download the mp3 (whole and with a Range) -> decode it with PyAV;
batch fetch with own, foreign and unknown ids; word timings of the finished clip.
"""

from __future__ import annotations

import io
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from e2e.serve_process import serve_process
from songsmith.services.keys import create_key
from songsmith.store.sql import SqlStore

ENV_KEY = "sk-e2e-" + uuid.uuid4().hex


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    data_dir = tmp_path_factory.mktemp("e2e")
    env = {
        "SONGSMITH_DEFAULT_ENGINE": "testing",
        "SONGSMITH_API_KEY": ENV_KEY,
        "SONGSMITH_LOG_LEVEL": "info",
        "SONGSMITH_RATE_LIMIT_PER_MINUTE": "6000",  # the test polls every 0.2 s
        "OMP_NUM_THREADS": "1",
    }
    with serve_process(data_dir, env, name="e2e", ready_timeout_s=60) as server:
        yield server


def _diagnose(server: dict[str, Any]) -> str:
    """The server's log and job rows: what a failed e2e needs to be understood."""
    import sqlite3

    with sqlite3.connect(server["data_dir"] / "songsmith.db") as db:
        jobs = db.execute("SELECT * FROM jobs").fetchall()
    return f"jobs: {jobs}\nlog:\n{Path(server['log']).read_text()[-4000:]}"


def _poll(client: httpx.Client, task_id: str, timeout_s: float = 150) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    seen: list[str] = []
    while time.monotonic() < deadline:
        response = client.get(f"/suno/fetch/{task_id}")
        assert response.status_code == 200, response.text
        task = response.json()["data"]
        seen.append(task["progress"])
        for clip in task["data"] or []:
            if isinstance(clip, dict) and clip["status"] == "streaming" and clip["audio_url"]:
                # A streaming clip's audio_url already plays: never a URL that 404s.
                partial = httpx.get(clip["audio_url"], headers={"Range": "bytes=0-99"})
                assert partial.status_code in (200, 206, 416), partial.status_code
        if task["status"] in ("SUCCESS", "FAILURE"):
            task["_progress_seen"] = seen
            return dict(task)
        time.sleep(0.2)
    raise AssertionError(f"task {task_id} not finished; progress seen {seen[-5:]}")


def test_submit_poll_download_decode(server: dict[str, Any]) -> None:
    import av

    with httpx.Client(
        base_url=server["base"], headers={"Authorization": f"Bearer {ENV_KEY}"}, timeout=30
    ) as client:
        body = {
            "prompt": "[Verse]\nhello little world",
            "tags": "pop testing:duration=2 testing:slow=2",
            "title": "E2E",
            "mv": "chirp-v4",
            "seed": 3,
        }
        submitted = client.post("/suno/submit/music", json=body)
        assert submitted.status_code == 200, submitted.text
        try:
            task = _poll(client, submitted.json()["data"])
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{_diagnose(server)}") from None
        assert task["status"] == "SUCCESS", task
        assert task["progress"] == "100%"
        progress = [int(p.rstrip("%")) for p in task["_progress_seen"]]
        assert progress == sorted(progress)  # monotonic as polled
        assert any(0 < p < 100 for p in progress), progress  # real intermediate values
        assert task["start_time"] >= task["submit_time"] > 0
        assert task["finish_time"] >= task["start_time"]
        clips = task["data"]
        assert len(clips) == 2
        for clip in clips:
            assert clip["status"] == "complete"
            assert clip["model_name"] == "chirp-v4" and clip["major_model_version"] == "v4"
            assert clip["metadata"]["engine"] == "testing"
            assert isinstance(clip["metadata"]["duration"], float)
            assert clip["audio_url"].startswith(server["base"] + "/files/")
            assert clip["image_url"].startswith(server["base"] + "/files/")

        audio_url = clips[0]["audio_url"]
        with httpx.Client(timeout=30) as anonymous:  # capability URL: no Bearer needed
            whole = anonymous.get(audio_url)
            assert whole.status_code == 200 and whole.headers["content-type"] == "audio/mpeg"
            part = anonymous.get(audio_url, headers={"Range": "bytes=100-1099"})
        assert part.status_code == 206 and part.content == whole.content[100:1100]
        with av.open(io.BytesIO(whole.content)) as container:
            stream = container.streams.audio[0]
            assert "mp3" in container.format.name and stream.codec_context.name.startswith("mp3")
            assert stream.codec_context.sample_rate == 44100
            samples = sum(frame.samples for frame in container.decode(stream))
        assert abs(samples / 44100 - clips[0]["metadata"]["duration"]) < 0.2

        timing = client.get(f"/suno/act/timing/{clips[0]['id']}")
        assert timing.status_code == 200, timing.text
        body = timing.json()
        assert body["is_streamed"] is False and body["hoot_cer"] == 0.0
        assert body["aligned_words"] and all(w["p_align"] == 1.0 for w in body["aligned_words"])
        assert 200 <= len(body["waveform_data"]) <= 1000
        assert client.get(f"/suno/act/timing/{clips[0]['id']}").json() == body  # cached waveform


def test_batch_fetch_own_foreign_unknown(server: dict[str, Any]) -> None:
    store = SqlStore(f"sqlite:///{server['data_dir'] / 'songsmith.db'}", migrate=False)
    other = create_key(store, "other")
    store.close()
    mine = httpx.Client(
        base_url=server["base"], headers={"Authorization": f"Bearer {ENV_KEY}"}, timeout=30
    )
    theirs = httpx.Client(
        base_url=server["base"], headers={"Authorization": f"Bearer {other.secret}"}, timeout=30
    )
    with mine, theirs:
        own = mine.post("/suno/submit/lyrics", json={"prompt": "rain on the roof"}).json()["data"]
        foreign = theirs.post("/suno/submit/music", json={"tags": "ambient"}).json()["data"]
        ids = [foreign, "unknown-id", own, str(uuid.uuid4())]
        response = mine.post("/suno/fetch", json={"ids": ids})
        assert response.status_code == 200
        assert [t["task_id"] for t in response.json()["data"]] == [own]
        assert theirs.get(f"/suno/fetch/{own}").json()["code"] == "task_not_exist"
        lyrics = _poll(mine, own)
        if lyrics["status"] == "SUCCESS":
            assert set(lyrics["data"]) >= {"id", "status", "title", "text", "tags"}


def test_first_start_printed_no_generated_key_with_env_key(server: dict[str, Any]) -> None:
    text = Path(server["log"]).read_text()
    assert "SONGSMITH_API_KEY is accepted" in text
    assert ENV_KEY not in text
    assert "listening on http://127.0.0.1:" in text
