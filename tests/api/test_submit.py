"""`POST /suno/submit/music` and `/suno/submit/lyrics`: validation, storage, enqueueing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from api.helpers import Api, clip_ids_of, running_api, submit_custom
from songsmith.domain.statuses import ClipStatus, Mode, TaskStatus


def _error(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code and body["data"] is None, body
    assert isinstance(body["message"], str) and body["message"]
    return str(body["message"])


def test_custom_stores_task_and_two_clips_then_enqueues_one_job_each(api: Api) -> None:
    key = api.key()
    with api.client(key) as client:
        task_id = submit_custom(client, title="Night Drive", mv="chirp-v4", shiny_new_field=[1, 2])
    task = api.store.get_task(task_id, key.key.id)
    assert task is not None
    assert task.status is TaskStatus.SUBMITTED and task.mode is Mode.CUSTOM
    assert task.request["shiny_new_field"] == [1, 2]  # unknown fields kept
    assert task.request["seed"] == 7
    clips = api.store.get_clips(task_id)
    assert [c.index for c in clips] == [0, 1]
    assert all(c.status is ClipStatus.SUBMITTED and c.mv == "chirp-v4" for c in clips)
    assert [c.metadata["seed"] for c in clips] == [7, 8]
    assert clips[0].title == "Night Drive"
    jobs = api.queue.jobs_for_task(task_id)
    assert sorted(j["clip_id"] for j in jobs) == sorted(c.id for c in clips)
    assert {j["kind"] for j in jobs} == {"generate"} and {j["queue"] for j in jobs} == {"testing"}


@pytest.mark.parametrize(
    ("body", "mode"),
    [
        ({"gpt_description_prompt": "a song about rain", "prompt": "ignored"}, Mode.INSPIRATION),
        ({"gpt_description_prompt": "rain", "make_instrumental": True}, Mode.INSPIRATION),
        ({"tags": "lofi", "prompt": "la la", "make_instrumental": True}, Mode.INSTRUMENTAL),
        ({"tags": "lofi", "prompt": ""}, Mode.INSTRUMENTAL),
        ({"tags": "lofi"}, Mode.INSTRUMENTAL),
        ({"prompt": "[Verse]\nla la"}, Mode.CUSTOM),
    ],
)
def test_mode_precedence(api: Api, body: dict[str, Any], mode: Mode) -> None:
    key = api.key()
    with api.client(key) as client:
        response = client.post("/suno/submit/music", json=body)
    assert response.status_code == 200, response.text
    task = api.store.get_task(response.json()["data"], key.key.id)
    assert task is not None and task.mode is mode


def test_title_is_derived_from_lyrics_then_tags(api: Api) -> None:
    key = api.key()
    with api.client(key) as client:
        from_lyrics = submit_custom(client, prompt="[Intro]\n\nCity lights tonight\nmore")
        from_tags = client.post("/suno/submit/music", json={"tags": "dark synthwave"}).json()
    assert api.store.get_clips(from_lyrics)[0].title == "City lights tonight"
    assert api.store.get_clips(from_tags["data"])[0].title == "Dark Synthwave"


@pytest.mark.parametrize(
    ("body", "code", "needle"),
    [
        ({"make_instrumental": True}, "invalid_request", "tags"),
        ({}, "invalid_request", "tags"),
        ({"tags": "x", "mv": "chirp-v9"}, "invalid_mv", "chirp-v9"),
        ({"tags": "x", "prompt": 12}, "invalid_request", "prompt"),
        ({"tags": "x", "make_instrumental": "perhaps"}, "invalid_request", "make_instrumental"),
        ({"tags": "x", "continue_at": "soon"}, "invalid_request", "continue_at"),
        ({"tags": "x", "seed": "abc"}, "invalid_request", "seed"),
        ({"tags": "x", "seed": -1}, "invalid_request", "seed"),
        ({"tags": "x", "metadata": {"control_sliders": {"style_weight": 2}}}, "invalid_request",
         "style_weight"),
        ({"tags": "x", "vocal_gender": "x"}, "invalid_request", "vocal_gender"),
        ({"task": "teleport", "tags": "x"}, "invalid_request", "task"),
        ({"task": "extend"}, "invalid_request", "continue_clip_id"),
        ({"task": "infill", "continue_clip_id": "c"}, "invalid_request", "infill_start_s"),
        ({"task": "artist_consistency", "persona_id": "p"}, "invalid_request", "artist_clip_id"),
        ({"task": "extend", "continue_clip_id": "nope"}, "clip_not_exist", "nope"),
        ({"task": "cover", "cover_clip_id": "nope"}, "clip_not_exist", "nope"),
        ({"tags": "x", "task_id": "nope"}, "task_not_exist", "nope"),
        ({"tags": "x" * 201, "mv": "chirp-v3-5"}, "invalid_request", "tags"),
        ({"prompt": "y" * 3001, "mv": "chirp-v4"}, "invalid_request", "prompt"),
        ({"prompt": "y" * 5001}, "invalid_request", "prompt"),
    ],
)  # fmt: skip
def test_invalid_requests_are_400(api: Api, body: dict[str, Any], code: str, needle: str) -> None:
    with api.client(api.key()) as client:
        message = _error(client.post("/suno/submit/music", json=body), 400, code)
    assert needle in message


def test_limits_follow_the_mv(api: Api) -> None:
    with api.client(api.key()) as client:
        ok = client.post("/suno/submit/music", json={"prompt": "y" * 4000, "mv": "chirp-crow"})
        assert ok.status_code == 200, ok.text
        ok = client.post("/suno/submit/music", json={"tags": "x" * 900})
        assert ok.status_code == 200, ok.text


@pytest.mark.parametrize("value", [12, 12.5, "12", " 12.5 "])
def test_continue_at_accepts_numbers_and_numeric_strings(api: Api, value: object) -> None:
    key = api.key()
    with api.client(key) as client:
        own = submit_custom(client)
        clip_id = clip_ids_of(api, own)[0]
        body = {"task": "extend", "continue_clip_id": clip_id, "continue_at": value}
        # the value parsed; what stops it is the source, still generating
        message = _error(client.post("/suno/submit/music", json=body), 400, "clip_not_ready")
    assert clip_id in message


def test_follow_up_task_id_of_same_key_is_accepted(api: Api) -> None:
    with api.client(api.key()) as client:
        origin = submit_custom(client)
        assert client.post("/suno/submit/music", json={"tags": "x", "task_id": origin}).is_success


def test_malformed_json_and_non_objects_are_400(api: Api) -> None:
    with api.client(api.key()) as client:
        for content in (b"{bad", b"[1, 2]", b'"text"', b"null", b""):
            response = client.post(
                "/suno/submit/music", content=content, headers={"content-type": "application/json"}
            )
            _error(response, 400, "invalid_request")


def test_lyrics(api: Api) -> None:
    key = api.key()
    with api.client(key) as client:
        _error(client.post("/suno/submit/lyrics", json={"prompt": "  "}), 400, "prompt_empty")
        _error(client.post("/suno/submit/lyrics", json={}), 400, "prompt_empty")
        response = client.post("/suno/submit/lyrics", json={"prompt": "a song about rain"})
        assert response.status_code == 200
        task_id = response.json()["data"]
        fetched = client.get(f"/suno/fetch/{task_id}").json()["data"]
    assert fetched["action"] == "LYRICS" and fetched["data"] is None
    jobs = api.queue.jobs_for_task(task_id)
    assert [(j["kind"], j["clip_id"]) for j in jobs] == [("lyrics", None)]


def test_body_limit_413_by_length_and_by_stream(api: Api) -> None:
    with api.client(api.key()) as client:
        big = b'{"prompt": "' + b"x" * 70_000 + b'"}'
        response = client.post("/suno/submit/music", content=big)
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "request_too_large"

        def chunks() -> Any:
            for _ in range(70):
                yield b"x" * 1024

        streamed = client.post("/suno/submit/music", content=chunks())
        assert streamed.status_code == 413


def test_rate_limit_is_429_with_retry_after(tmp_path: Path) -> None:
    with running_api(tmp_path, rate_limit_per_minute=3) as api:
        with api.client(api.key()) as client:
            codes = [client.get("/suno/fetch/x").status_code for _ in range(4)]
            assert codes == [400, 400, 400, 429]
            limited = client.get("/suno/fetch/x")
            assert limited.status_code == 429
            assert int(limited.headers["retry-after"]) >= 1
            assert limited.json()["error"]["code"] == "rate_limited"
        with api.client(api.key("other")) as other:  # per key: another key is not limited
            assert other.get("/suno/fetch/x").status_code == 400


def test_queue_cap_is_429_and_nothing_is_stored(tmp_path: Path) -> None:
    with running_api(tmp_path, queue_cap_per_key=1) as api:
        key = api.key()
        with api.client(key) as client:
            submit_custom(client)
            refused = client.post("/suno/submit/music", json={"tags": "x"})
            assert refused.status_code == 429 and "retry-after" in refused.headers
            refused = client.post("/suno/submit/lyrics", json={"prompt": "x"})
            assert refused.status_code == 429
        assert api.store.count_open_tasks(key.key.id) == 1


class _DownQueue:
    """The edge of the world: a queue whose database is gone."""

    max_attempts = 3

    def enqueue(self, spec: object) -> str:
        raise ConnectionError("queue down")

    def ping(self) -> None:
        raise ConnectionError("queue down")

    def depth(self) -> dict[str, int]:
        raise ConnectionError("queue down")


def test_queue_outage_is_503_with_retry_after(tmp_path: Path) -> None:
    with running_api(tmp_path) as api:
        api.app.state.songsmith.submit.queue = _DownQueue()
        key = api.key()
        with api.client(key) as client:
            response = client.post("/suno/submit/music", json={"tags": "x"})
        assert response.status_code == 503
        assert response.headers["retry-after"] == "5"
        assert response.json()["error"]["code"] == "unavailable"
        assert api.store.count_open_tasks(key.key.id) == 0  # failed, never stranded
