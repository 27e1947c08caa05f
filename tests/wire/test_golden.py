"""Golden wire JSON for every route and error shape (suno-wire.md sections 2, 4 and 6).

Ids, times, ports and blob names are normalised; everything else must match byte for byte.
Regenerate after a deliberate wire change with `SONGSMITH_UPDATE_GOLDEN=1` and review the diff.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.helpers import Api, clip_ids_of, complete_clip_now, running_api, submit_custom

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("SONGSMITH_UPDATE_GOLDEN") == "1"

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
_BLOB = re.compile(r"\b[0-9a-f]{32}\.([a-z0-9]{1,8})\b")
_KEY_ID = re.compile(r"\bkey_[0-9a-f]{16}\b")
_ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


class Normaliser:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.names: dict[str, str] = {}

    def _name(self, kind: str, value: str) -> str:
        if value not in self.names:
            count = sum(v.startswith(f"<{kind}") for v in self.names.values())
            self.names[value] = f"<{kind}{count + 1}>"
        return self.names[value]

    def text(self, value: str) -> str:
        value = value.replace(self.base_url, "<base>")
        value = _UUID.sub(lambda m: self._name("id", m.group(0)), value)
        value = _BLOB.sub(lambda m: self._name("blob", m.group(0)), value)
        return _KEY_ID.sub("<key_id>", value)

    def __call__(self, value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: self(v, k) for k, v in value.items()}
        if key == "waveform_data" and isinstance(value, list):
            # Decoder-dependent floats: the shape is the contract, not the exact values.
            assert value and all(isinstance(v, float) and 0.0 <= v <= 1.0 for v in value)
            return f"<{len(value)} floats in 0-1>"
        if isinstance(value, list):
            return [self(v) for v in value]
        if key.endswith("_time") and isinstance(value, int) and value > 0:
            return "<unix>"
        if key == "created_at" and isinstance(value, str) and _ISO_MS.match(value):
            return "<iso-ms>"
        if isinstance(value, str):
            return self.text(value)
        return value


def record(api: Api, name: str, response: httpx.Response, norm: Normaliser) -> None:
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    observed = {
        "status": response.status_code,
        "content_type": response.headers.get("content-type"),
        "retry_after": response.headers.get("retry-after"),
        "body": norm(body),
    }
    path = GOLDEN / f"{name}.json"
    if UPDATE or not path.exists():
        if not UPDATE:
            pytest.fail(f"missing golden {path.name}; run with SONGSMITH_UPDATE_GOLDEN=1")
        path.write_text(json.dumps(observed, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    expected = json.loads(path.read_text())
    assert observed == expected, name


Case = Callable[[Api, httpx.Client, dict[str, Any]], httpx.Response]


def _staged(api: Api, client: httpx.Client) -> dict[str, Any]:
    done = submit_custom(client, title="City Lights", notify_hook="https://example.com/hook")
    done_clips = clip_ids_of(api, done)
    for clip_id in done_clips:
        complete_clip_now(api, clip_id)
    api.store.refresh_task(done)
    pending = submit_custom(client, prompt="[Verse]\nwaiting", tags="folk")
    return {"done": done, "done_clips": done_clips, "pending": pending,
            "pending_clip": clip_ids_of(api, pending)[0]}  # fmt: skip


CASES: dict[str, Case] = {
    "submit_music_ok": lambda a, c, s: c.post(
        "/suno/submit/music", json={"prompt": "[Verse]\nla", "tags": "pop", "seed": 1}
    ),
    "submit_lyrics_ok": lambda a, c, s: c.post("/suno/submit/lyrics", json={"prompt": "rain"}),
    "fetch_submitted": lambda a, c, s: c.get(f"/suno/fetch/{s['pending']}"),
    "fetch_success": lambda a, c, s: c.get(f"/suno/fetch/{s['done']}"),
    "fetch_batch": lambda a, c, s: c.post(
        "/suno/fetch", json={"ids": [s["pending"], "unknown", s["done"]], "action": "MUSIC"}
    ),
    "fetch_batch_empty": lambda a, c, s: c.post("/suno/fetch", json={"ids": []}),
    "act_timing_ok": lambda a, c, s: c.get(f"/suno/act/timing/{s['done_clips'][0]}"),
    "error_400_bad_json": lambda a, c, s: c.post(
        "/suno/submit/music", content=b"{bad", headers={"content-type": "application/json"}
    ),
    "error_400_wrong_type": lambda a, c, s: c.post("/suno/submit/music", json={"tags": 3}),
    "error_400_missing_field": lambda a, c, s: c.post("/suno/submit/concat", json={}),
    "error_400_instrumental_needs_tags": lambda a, c, s: c.post(
        "/suno/submit/music", json={"make_instrumental": True}
    ),
    "error_400_prompt_empty": lambda a, c, s: c.post("/suno/submit/lyrics", json={"prompt": ""}),
    "error_400_invalid_mv": lambda a, c, s: c.post(
        "/suno/submit/music", json={"tags": "x", "mv": "chirp-v1"}
    ),
    "error_400_task_not_exist": lambda a, c, s: c.get("/suno/fetch/does-not-exist"),
    "error_400_clip_not_exist": lambda a, c, s: c.get("/suno/act/timing/does-not-exist"),
    "error_400_clip_not_ready": lambda a, c, s: c.get(f"/suno/act/timing/{s['pending_clip']}"),
    "error_400_extend_beyond_end": lambda a, c, s: c.post(
        "/suno/submit/music",
        json={"task": "extend", "continue_clip_id": s["done_clips"][0], "continue_at": "9999"},
    ),
    "act_wav_ok": lambda a, c, s: c.get(f"/suno/act/wav/{s['done_clips'][0]}"),
    "act_mp4_running": lambda a, c, s: c.get(f"/suno/act/mp4/{s['done_clips'][0]}"),
    "act_midi_running": lambda a, c, s: c.get(f"/suno/act/midi/{s['done_clips'][0]}"),
    "error_400_concat_not_an_extension": lambda a, c, s: c.post(
        "/suno/submit/concat", json={"clip_id": s["done_clips"][0], "is_infill": False}
    ),
    "upload_ok": lambda a, c, s: c.post(
        "/suno/uploads/audio-url", json={"url": "https://93.184.215.14/a.mp3"}
    ),
    "error_400_upload_bad_url": lambda a, c, s: c.post(
        "/suno/uploads/audio-url", json={"url": "file:///etc/passwd"}
    ),
    "error_400_upload_blocked_host": lambda a, c, s: c.post(
        "/suno/uploads/audio-url", json={"url": "http://[::ffff:127.0.0.1]:8000/x.mp3"}
    ),
    "error_400_bad_notify_hook": lambda a, c, s: c.post(
        "/suno/submit/music", json={"tags": "x", "notify_hook": "javascript:alert(1)"}
    ),
    "error_400_persona_unknown_clip": lambda a, c, s: c.post(
        "/suno/persona/create/",
        json={
            "root_clip_id": s["done_clips"][0],
            "name": "Nova",
            "clips": ["does-not-exist"],
            "is_public": False,
        },
    ),
    "error_401": lambda a, c, s: httpx.get(f"{a.base_url}/suno/fetch/x"),
    "error_404_unknown_route": lambda a, c, s: c.get("/suno/does/not/exist"),
    "error_413": lambda a, c, s: c.post("/suno/submit/music", content=b"x" * 70_000),
}


@pytest.fixture(scope="module")
def golden_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Api, Any, Any]]:
    with running_api(tmp_path_factory.mktemp("golden")) as api:
        key = api.key("golden")
        with api.client(key) as client:
            yield api, client, _staged(api, client)


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(golden_api: tuple[Api, httpx.Client, dict[str, Any]], name: str) -> None:
    api, client, staged = golden_api
    record(api, name, CASES[name](api, client, staged), Normaliser(api.base_url))


def test_golden_429_rate_limited(tmp_path: Path) -> None:
    with running_api(tmp_path, rate_limit_per_minute=1) as api, api.client(api.key()) as client:
        client.get("/suno/fetch/x")
        record(api, "error_429", client.get("/suno/fetch/x"), Normaliser(api.base_url))


class _DownQueue:
    max_attempts = 3

    def enqueue(self, spec: object) -> str:
        raise ConnectionError("down")


def test_golden_503_unavailable(tmp_path: Path) -> None:
    with running_api(tmp_path) as api, api.client(api.key()) as client:
        api.app.state.songsmith.submit.queue = _DownQueue()
        response = client.post("/suno/submit/music", json={"tags": "x"})
        record(api, "error_503", response, Normaliser(api.base_url))


def test_every_golden_file_is_checked() -> None:
    expected = {f"{n}.json" for n in CASES} | {"error_429.json", "error_503.json"}
    assert {p.name for p in GOLDEN.glob("*.json")} == expected
