"""Many pollers at once on the fetch routes: right answers, bounded store threads, no pool waits."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import httpx

from api.helpers import complete_clip_now, running_api, submit_custom
from songsmith.api.suno import mapping
from songsmith.api.suno.routes import FETCH_THREADS
from songsmith.domain.models import Clip, Task

POLLERS = 64


async def _poll_all(base_url: str, secret: str, paths: list[str]) -> list[httpx.Response]:
    headers = {"Authorization": f"Bearer {secret}"}
    limits = httpx.Limits(max_connections=POLLERS)
    async with httpx.AsyncClient(base_url=base_url, headers=headers, limits=limits) as client:
        return await asyncio.gather(*(client.get(p) for p in paths))


def test_64_concurrent_polls_answer_the_stored_task_with_bounded_threads(tmp_path: Path) -> None:
    with running_api(tmp_path) as api:
        key = api.key()
        with api.client(key) as client:
            task_id = submit_custom(client)
        found = api.store.get_task_with_clips(task_id, key.key.id)
        assert found is not None
        complete_clip_now(api, found[1][0].id)
        api.store.refresh_task(task_id)

        # Count reads in flight around the real store method (instrumentation, not a double).
        real_read = api.store.get_task_with_clips
        lock = threading.Lock()
        in_flight = peak = calls = 0

        def counted(task: str, key_id: str | None) -> tuple[Task, list[Clip]] | None:
            nonlocal in_flight, peak, calls
            with lock:
                in_flight += 1
                calls += 1
                peak = max(peak, in_flight)
            try:
                return real_read(task, key_id)
            finally:
                with lock:
                    in_flight -= 1

        api.store.get_task_with_clips = counted  # type: ignore[method-assign,assignment]
        responses = asyncio.run(
            _poll_all(api.base_url, key.secret, [f"/suno/fetch/{task_id}"] * (2 * POLLERS))
        )
        api.store.get_task_with_clips = real_read  # type: ignore[method-assign]

        expected_view = real_read(task_id, key.key.id)
        assert expected_view is not None
        expected: dict[str, Any] = mapping.envelope(
            mapping.task_to_wire(*expected_view, api.blobs.url)
        )
        assert {r.status_code for r in responses} == {200}
        assert {r.headers["content-type"] for r in responses} == {"application/json"}
        assert all(r.json() == expected for r in responses)
        assert expected["data"]["data"][0]["status"] == "complete"
        assert calls == 2 * POLLERS
        assert 1 <= peak <= FETCH_THREADS


def test_fetch_routes_still_authenticate_before_reading(tmp_path: Path) -> None:
    with running_api(tmp_path) as api:
        owner, other = api.key("owner"), api.key("other")
        with api.client(owner) as client:
            task_id = submit_custom(client)
        with api.client() as anonymous:
            assert anonymous.get(f"/suno/fetch/{task_id}").status_code == 401
            assert anonymous.post("/suno/fetch", json={"ids": [task_id]}).status_code == 401
        with api.client(other) as client:
            response = client.get(f"/suno/fetch/{task_id}")
            assert response.status_code == 400
            assert client.post("/suno/fetch", json={"ids": [task_id]}).json()["data"] == []
        with api.client(owner) as client:
            batch = client.post("/suno/fetch", json={"ids": ["unknown", task_id, task_id]})
            assert [t["task_id"] for t in batch.json()["data"]] == [task_id]
