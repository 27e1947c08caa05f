"""Edit modes end to end over `songsmith serve` with the built-in engine (real HTTP, workers).

The CometAPI example bodies (continuation, persona, add instrumental, add vocals) with the ids
of earlier steps, shortened lyrics so that the songs stay short: generate -> extend -> concat ->
persona/create -> artist_consistency -> underpainting -> overpainting, plus the 400s a client can
cause (continue_at past the end, another key's clip); an infill spliced in by concat.
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

KEY = "sk-e2e-edit-" + uuid.uuid4().hex
LYRICS = "[Verse]\nWalking down the streets\nBeneath the city lights\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    data_dir = tmp_path_factory.mktemp("e2e-edit")
    env = {
        "SONGSMITH_DEFAULT_ENGINE": "builtin",
        "SONGSMITH_API_KEY": KEY,
        "SONGSMITH_RATE_LIMIT_PER_MINUTE": "6000",
        "OMP_NUM_THREADS": "1",
    }
    with serve_process(data_dir, env, name="edit", ready_timeout_s=90) as server:
        yield server


def _finished(client: httpx.Client, task_id: str, server: dict[str, Any]) -> dict[str, Any]:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        task = client.get(f"/suno/fetch/{task_id}").json()["data"]
        if task["status"] in ("SUCCESS", "FAILURE"):
            log = Path(server["log"]).read_text()[-3000:]
            assert task["status"] == "SUCCESS", f"{task}\n{log}"
            return dict(task)
        time.sleep(0.5)
    raise AssertionError(f"task {task_id} did not finish")


def _submit(client: httpx.Client, body: dict[str, Any], route: str = "/suno/submit/music") -> str:
    response = client.post(route, json=body)
    assert response.status_code == 200, response.text
    return str(response.json()["data"])


def _error(response: httpx.Response) -> str:
    assert response.status_code == 400, response.text
    return str(response.json()["code"])


def _seconds_of_mp3(url: str) -> float:
    import av

    data = httpx.get(url, timeout=30).content
    with av.open(io.BytesIO(data), mode="r") as container:
        stream = container.streams.audio[0]
        samples = sum(int(f.samples) for f in container.decode(stream))
        return samples / float(stream.codec_context.sample_rate)


def test_edit_modes_over_http(server: dict[str, Any]) -> None:
    headers = {"Authorization": f"Bearer {KEY}"}
    with httpx.Client(base_url=server["base"], headers=headers, timeout=60) as client:
        # 1. the song to edit (CometAPI "Customization Mode", shortened lyrics)
        origin = _submit(
            client,
            {"prompt": LYRICS, "tags": "emotional punk", "mv": "chirp-v4", "title": "City Lights",
             "seed": 3},
        )  # fmt: skip
        source = _finished(client, origin, server)["data"][0]
        duration = source["metadata"]["duration"]

        # 2. what a client can get wrong is a 400 at submit
        extend = {
            "prompt": "[Verse]\nConcrete jungle shining\nWith its dazzling glow",
            "tags": "bass-driven atmospheric heavy metal",
            "negative_tags": "dance",
            "mv": "chirp-v4",
            "title": "City Lights",
            "task_id": origin,
            "continue_clip_id": source["id"],
            "continue_at": 80,
            "task": "extend",
        }
        assert _error(client.post("/suno/submit/music", json=extend)) == "invalid_request"
        store = SqlStore(f"sqlite:///{server['data_dir'] / 'songsmith.db'}", migrate=False)
        other = create_key(store, "other")
        store.close()
        foreign = {**extend, "continue_at": 5, "task_id": None}
        with httpx.Client(
            base_url=server["base"], headers={"Authorization": f"Bearer {other.secret}"}
        ) as theirs:
            assert _error(theirs.post("/suno/submit/music", json=foreign)) == "clip_not_exist"

        # 3. continuation ("Continued" example) from inside the song
        extend["continue_at"] = round(duration / 2, 1)
        extended = _finished(client, _submit(client, extend), server)["data"]
        assert len(extended) == 2
        extension = extended[0]
        meta = extension["metadata"]
        assert meta["type"] == "extend"
        assert meta["history"][0]["id"] == source["id"]
        join = meta["history"][0]["continue_at"]
        assert abs(join - duration / 2) <= 60.0 / source["metadata"]["bpm"]
        assert meta["bpm"] == source["metadata"]["bpm"] and meta["key"] == source["metadata"]["key"]

        # 4. concat: the whole song, one clip
        body = {"clip_id": extension["id"], "is_infill": False}
        concat = _finished(client, _submit(client, body, "/suno/submit/concat"), server)["data"]
        assert len(concat) == 1 and concat[0]["metadata"]["type"] == "concat"
        chain = [h["id"] for h in concat[0]["metadata"]["concat_history"]]
        assert chain == [source["id"], extension["id"]]
        whole = _seconds_of_mp3(concat[0]["audio_url"])
        assert abs(whole - (join + extension["metadata"]["duration"])) < 0.2

        # 4b. replace a section, then splice it in with concat is_infill
        body = {
            "prompt": "Neon signs are flickering",
            "task": "infill",
            "continue_clip_id": source["id"],
            "infill_start_s": 2.0,
            "infill_end_s": 8.0,
        }
        infill = _finished(client, _submit(client, body), server)["data"][0]
        assert infill["metadata"]["type"] == "infill" and infill["metadata"]["infill"] is True
        assert abs(infill["metadata"]["duration"] - 6.0) < 0.1
        body = {"clip_id": infill["id"], "is_infill": True}
        spliced = _finished(client, _submit(client, body, "/suno/submit/concat"), server)["data"]
        assert spliced[0]["metadata"]["infill"] is True
        assert abs(_seconds_of_mp3(spliced[0]["audio_url"]) - duration) < 0.2

        # 5. persona from the first clip, then a song in its voice ("persona_id" example)
        body = {
            "root_clip_id": source["id"],
            "name": "Nova",
            "description": "punk voice",
            "clips": [source["id"]],
            "is_public": False,
        }
        persona = client.post("/suno/persona/create/", json=body)
        assert persona.status_code == 200, persona.text
        persona_object = persona.json()
        assert persona_object["root_clip_id"] == source["id"]
        assert persona_object["clip"]["id"] == source["id"]
        body = {
            "prompt": "[Verse]\nYou are always warm by my side",
            "generation_type": "TEXT",
            "tags": "electronic, pop",
            "negative_tags": "",
            "mv": "chirp-v4-tau",
            "title": "husband",
            "task_id": origin,
            "task": "artist_consistency",
            "persona_id": persona_object["id"],
            "artist_clip_id": source["id"],
        }
        sung = _finished(client, _submit(client, body), server)["data"]
        assert sung[0]["metadata"]["vocal_gender"] == source["metadata"]["vocal_gender"]
        assert sung[0]["metadata"]["genre"] == source["metadata"]["genre"]

        # 6. add instrumental ("Dubbing" example) over the first 10 s
        body = {
            "mv": "chirp-bluejay",
            "tags": "Pop rap, uplifting, piano, synth, driving bass",
            "title": "Hi Instrumental",
            "underpainting_clip_id": source["id"],
            "underpainting_start_s": 0,
            "underpainting_end_s": 10.0,
            "task": "underpainting",
            "prompt": "",
            "override_fields": ["prompt", "tags"],
        }
        under = _finished(client, _submit(client, body), server)["data"]
        assert under[0]["metadata"]["type"] == "underpainting"
        assert abs(under[0]["metadata"]["duration"] - 10.0) < 0.1

        # 7. add vocals ("Lyrics" example) over the same window
        body = {
            "mv": "chirp-bluejay",
            "tags": "smooth soulful R&B, male vocals",
            "title": "Hi vocal",
            "overpainting_clip_id": source["id"],
            "overpainting_start_s": 0,
            "overpainting_end_s": 10.0,
            "task": "overpainting",
            "prompt": "yourself ",
            "override_fields": ["prompt", "tags"],
        }
        over = _finished(client, _submit(client, body), server)["data"]
        assert over[0]["metadata"]["type"] == "overpainting"
        assert over[0]["metadata"]["has_vocal"] is True
        assert abs(_seconds_of_mp3(over[0]["audio_url"]) - 10.0) < 0.2
