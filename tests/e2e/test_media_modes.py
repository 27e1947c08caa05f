"""End to end over `songsmith serve`: act/wav, act/mp4, act/midi, gen_stem and uploads by URL.

A real uvicorn server with real worker processes (`testing` engine); media is downloaded from
the clip URLs and decoded, and the assertions are on the audio itself.
"""

from __future__ import annotations

import http.server
import io
import os
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any, ClassVar

import av
import httpx
import mido
import numpy as np
import pytest

from e2e.serve_process import serve_process
from songsmith.media.codecs import decode_audio, encode_wav

ENV_KEY = "sk-e2e-media-" + uuid.uuid4().hex
RATE = 44100


class _Files(http.server.BaseHTTPRequestHandler):
    """Serves `files` (name -> bytes) from the test process: the uploads' origin server."""

    files: ClassVar[dict[str, bytes]] = {}

    def do_GET(self) -> None:
        body = self.files.get(self.path.lstrip("/"))
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    data_dir = tmp_path_factory.mktemp("e2e-media")
    env = {
        "SONGSMITH_DEFAULT_ENGINE": "testing",
        "SONGSMITH_API_KEY": ENV_KEY,
        "SONGSMITH_LOG_LEVEL": "warning",
        "SONGSMITH_RATE_LIMIT_PER_MINUTE": "6000",
        "SONGSMITH_FETCH_ALLOW_CIDRS": "127.0.0.1/32",  # the origin above counts as "public"
        "OMP_NUM_THREADS": "1",
    }
    with serve_process(data_dir, env, name="media", ready_timeout_s=60) as server:
        yield server


@pytest.fixture(scope="module")
def client(server: dict[str, Any]) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {ENV_KEY}"}
    with httpx.Client(base_url=server["base"], headers=headers, timeout=60) as c:
        yield c


def _poll(client: httpx.Client, task_id: str, server: dict[str, Any], timeout_s: float = 150):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        response = client.get(f"/suno/fetch/{task_id}")
        assert response.status_code == 200, response.text
        task = response.json()["data"]
        if task["status"] in ("SUCCESS", "FAILURE"):
            return task
        time.sleep(0.3)
    raise AssertionError(f"task {task_id} not finished\n{server['log'].read_text()[-3000:]}")


def _download(url: str) -> bytes:
    response = httpx.get(url, timeout=60)  # capability URLs: no key
    assert response.status_code == 200, url
    return response.content


def _residual_db(reference: np.ndarray, test: np.ndarray) -> float:
    n = min(len(reference), len(test))
    error = float(np.sum((reference[:n] - test[:n]) ** 2))
    return 10 * np.log10(max(error, 1e-20) / float(np.sum(reference[:n] ** 2)))


@pytest.fixture(scope="module")
def song(client: httpx.Client, server: dict[str, Any]) -> dict[str, Any]:
    """A finished generated clip (with its task id) that the media routes work on."""
    body = {
        "prompt": "[Verse]\nhello little world",
        "tags": "pop testing:duration=3",
        "title": "City Lights",
        "seed": 7,
    }
    response = client.post("/suno/submit/music", json=body)
    assert response.status_code == 200, response.text
    task = _poll(client, response.json()["data"], server)
    assert task["status"] == "SUCCESS", task
    return {"task_id": task["task_id"], **task["data"][0]}


def test_act_wav_is_the_song_in_16_bit_stereo(client: httpx.Client, song: dict[str, Any]) -> None:
    answer = client.get(f"/suno/act/wav/{song['id']}").json()
    assert answer["state"] == answer["data"]["state"] == "complete"
    assert answer["wav_file_url"] == answer["data"]["wav_file_url"]
    wav_bytes = _download(answer["wav_file_url"])
    with av.open(io.BytesIO(wav_bytes)) as container:
        assert container.streams.audio[0].codec_context.name == "pcm_s16le"
    wav, rate = decode_audio(wav_bytes, {"wav"})
    mp3, _ = decode_audio(_download(song["audio_url"]), {"mp3"})
    assert rate == RATE and wav.shape[1] == 2
    assert abs(len(wav) / rate - song["metadata"]["duration"]) < 0.05
    assert _residual_db(wav, mp3) < -15  # the same master as the mp3
    again = client.get(f"/suno/act/wav/{song['id']}").json()
    assert again["wav_file_url"] == answer["wav_file_url"]


def test_act_midi_is_the_score(client: httpx.Client, song: dict[str, Any]) -> None:
    answer = client.get(f"/suno/act/midi/{song['id']}").json()
    assert answer["state"] == "complete"
    notes = [n for i in answer["instruments"] for n in i["notes"]]
    assert {"lead_vocal", "keys", "drums"} <= {i["name"] for i in answer["instruments"]}
    assert notes and all(0 < n["velocity"] <= 1 and n["end"] > n["start"] for n in notes)
    midi = mido.MidiFile(file=io.BytesIO(_download(answer["midi_url"])))
    ons = sum(1 for t in midi.tracks for m in t if m.type == "note_on" and m.velocity)
    assert ons == len(notes)


def test_act_mp4_runs_once_then_plays(
    client: httpx.Client, song: dict[str, Any], server: dict[str, Any]
) -> None:
    answer = client.get(f"/suno/act/mp4/{song['id']}").json()
    assert answer["data"]["state"] in ("running", "complete")
    deadline = time.monotonic() + 120
    while answer["state"] != "complete" and time.monotonic() < deadline:
        assert answer["mp4_file_url"] == answer["video_url"] == ""
        time.sleep(0.3)
        answer = client.get(f"/suno/act/mp4/{song['id']}").json()
    assert answer["state"] == "complete", server["log"].read_text()[-3000:]
    assert answer["mp4_file_url"] == answer["video_url"] != ""
    task = client.get(f"/suno/fetch/{song['task_id']}").json()["data"]
    clip = next(c for c in task["data"] if c["id"] == song["id"])
    assert clip["video_url"] == answer["video_url"] and clip["is_video_pending"] is False
    with av.open(io.BytesIO(_download(answer["video_url"]))) as container:
        assert {s.codec_context.name for s in container.streams} == {"h264", "aac"}
        assert container.duration is not None
        assert abs(container.duration / 1e6 - song["metadata"]["duration"]) < 0.35
        sound = np.concatenate([f.to_ndarray() for f in container.decode(audio=0)], axis=1)
    assert np.sqrt(np.mean(sound**2)) > 0.01  # the song plays under the picture


def _stems(client: httpx.Client, server: dict[str, Any], clip_id: str, group: str) -> list[Any]:
    body = {"task": "gen_stem", "continue_clip_id": clip_id, "stem_type_group_name": group}
    response = client.post("/suno/submit/music", json=body)
    assert response.status_code == 200, response.text
    task = _poll(client, response.json()["data"], server)
    assert task["status"] == "SUCCESS", task
    return list(task["data"])


def test_gen_stem_two_splits_the_song_exactly(
    client: httpx.Client, song: dict[str, Any], server: dict[str, Any]
) -> None:
    vocals, instrumental = _stems(client, server, song["id"], "Two")
    assert vocals["title"] == "City Lights (Vocals)"
    assert instrumental["title"] == "City Lights (Instrumental)"
    for clip in (vocals, instrumental):
        meta = clip["metadata"]
        assert meta["type"] == "stem" and meta["stem_from_id"] == song["id"]
        assert meta["stem_type_group_name"] == "Two" and meta["separation"] == "exact"
    voice, _ = decode_audio(_download(vocals["audio_url"]), {"mp3"})
    band, _ = decode_audio(_download(instrumental["audio_url"]), {"mp3"})
    mix, _ = decode_audio(_download(song["audio_url"]), {"mp3"})
    n = min(len(voice), len(band), len(mix))
    assert _residual_db(mix[:n], voice[:n] + band[:n]) < -12  # they sum to the song
    assert np.sqrt(np.mean(voice**2)) > 0.01 and np.sqrt(np.mean(band**2)) > 0.01


def test_gen_stem_twelve_gives_one_clip_per_sounding_group(
    client: httpx.Client, song: dict[str, Any], server: dict[str, Any]
) -> None:
    clips = _stems(client, server, song["id"], "Twelve")
    assert [c["metadata"]["stem_type"] for c in clips] == ["vocals", "drums", "keyboard"]
    assert clips[1]["title"] == "City Lights (Drums)"
    for clip in clips:
        audio, _ = decode_audio(_download(clip["audio_url"]), {"mp3"})
        assert 20 * np.log10(np.abs(audio).max()) > -60


def _tone_song(seconds: float = 8.0) -> np.ndarray:
    """A 100 bpm loop in A minor: kicks and an Am-F-C-G progression, stereo, centre voice."""
    t = np.arange(int(seconds * RATE)) / RATE
    beat = 60.0 / 100
    y = np.zeros_like(t)
    chords = ((57, 60, 64), (53, 57, 60), (48, 52, 55), (55, 59, 62))
    for i, start in enumerate(np.arange(0, seconds, beat)):
        s = int(start * RATE)
        k = np.arange(min(3000, len(t) - s)) / RATE
        y[s : s + len(k)] += 0.5 * np.sin(2 * np.pi * 60 * k) * np.exp(-k * 35)
        chord = chords[(i // 4) % 4]
        n = min(int(beat * RATE), len(t) - s)
        tt = np.arange(n) / RATE
        for p in chord:
            y[s : s + n] += 0.07 * np.sin(2 * np.pi * 440 * 2 ** ((p - 57) / 12) * tt)
    return np.stack([y, y], axis=1).astype(np.float32)


def test_upload_by_url_is_a_clip_with_analysis(
    client: httpx.Client, server: dict[str, Any], origin: str
) -> None:
    audio = _tone_song()
    _Files.files["take.wav"] = encode_wav(audio, RATE)
    response = client.post("/suno/uploads/audio-url", json={"url": f"{origin}/take.wav"})
    assert response.status_code == 200, response.text
    clip_id = response.json()["data"]
    task = _poll(client, clip_id, server)
    assert task["action"] == "UPLOAD" and task["status"] == "SUCCESS", task
    (clip,) = task["data"]
    assert clip["id"] == clip_id and clip["title"] == "take"
    meta = clip["metadata"]
    assert meta["type"] == "upload" and abs(meta["duration"] - 8.0) < 0.05
    assert abs(meta["bpm"] - 100) < 3 or abs(meta["bpm"] - 200) < 6, meta["bpm"]
    assert meta["key"] in ("A minor", "C major"), meta["key"]
    assert meta["analysis"]["beats"] and meta["analysis"]["chords"]
    heard, _ = decode_audio(_download(clip["audio_url"]), {"mp3"})
    assert _residual_db(audio, heard) < -15  # stored as sent, not re-mastered
    # (stems of uploads, by masks: tests/services/test_stems.py; the route is the same)


def test_upload_refusals(client: httpx.Client, server: dict[str, Any], origin: str) -> None:
    blocked = client.post("/suno/uploads/audio-url", json={"url": "http://10.0.0.1/a.mp3"})
    assert blocked.status_code == 400 and blocked.json()["code"] == "invalid_request"
    _Files.files["noise.mp3"] = os.urandom(4096)
    response = client.post("/suno/uploads/audio-url", json={"url": f"{origin}/noise.mp3"})
    assert response.status_code == 200, response.text
    task = _poll(client, response.json()["data"], server)
    assert task["status"] == "FAILURE" and task["fail_reason"], task
    assert task["data"][0]["metadata"]["error_type"] == "invalid_audio"
