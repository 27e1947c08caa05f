"""Native routes: health, readiness, metrics, Swagger UI served from local assets."""

from __future__ import annotations

import re
from pathlib import Path

from api.helpers import Api, running_api


def test_health_and_ready(api: Api) -> None:
    with api.client() as client:
        assert client.get("/health").json() == {"status": "ok"}
        ready = client.get("/ready")
        assert ready.status_code == 200
        assert ready.json()["checks"] == {"store": "ok", "queue": "ok", "engines": "ok"}


def test_ready_is_503_when_the_default_engine_cannot_load(tmp_path: Path) -> None:
    with running_api(tmp_path, default_engine="no-such-engine") as api, api.client() as client:
        ready = client.get("/ready")
        assert ready.status_code == 503
        assert ready.headers["retry-after"] == "5"
        assert ready.json()["checks"]["engines"].startswith("error")


def test_metrics_exposes_tasks_queue_and_latency(api: Api) -> None:
    key = api.key()
    with api.client(key) as client:
        client.post("/suno/submit/music", json={"tags": "ambient"}).raise_for_status()
        client.get("/health")
        text = client.get("/metrics").text
    assert re.search(r'^songsmith_tasks\{status="SUBMITTED"\} [1-9]', text, re.M)
    assert re.search(r'^songsmith_queue_depth\{queue="testing"\} [1-9]', text, re.M)
    assert re.search(
        r'^songsmith_http_request_duration_seconds_count\{method="POST",'
        r'route="/suno/submit/music",status="2xx"\} [1-9]',
        text,
        re.M,
    )
    # Route templates only: a raw id in a label would grow the series without bound.
    assert "/suno/fetch/{task_id}" in text or "fetch/" not in text


def test_swagger_ui_uses_only_local_assets(api: Api) -> None:
    with api.client() as client:
        page = client.get("/docs")
        assert page.status_code == 200
        sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert sources and all(s.startswith("/docs/assets/") for s in sources), sources
        assert "cdn" not in page.text.lower()
        for name in ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png", "LICENSE"):
            asset = client.get(f"/docs/assets/{name}")
            assert asset.status_code == 200 and len(asset.content) > 100, name
        assert client.get("/docs/assets/..%2Fapp.py").status_code == 404
        assert client.get("/docs/assets/index.html").status_code == 404


def test_cors_is_off_unless_origins_are_configured(api: Api, tmp_path: Path) -> None:
    preflight = {"Origin": "https://app.example", "Access-Control-Request-Method": "POST"}
    with api.client() as client:
        assert "access-control-allow-origin" not in client.get("/health", headers=preflight).headers
    with running_api(tmp_path, cors_origins=["https://app.example"]) as cors:
        with cors.client() as client:
            response = client.options("/suno/submit/music", headers=preflight)
            assert response.headers["access-control-allow-origin"] == "https://app.example"


def test_database_outage_is_503_never_500(tmp_path: Path) -> None:
    from sqlalchemy.exc import OperationalError

    def down(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("SELECT 1", {}, Exception("database is gone"))

    with running_api(tmp_path) as api:
        key = api.key()
        api.store.get_task = down  # type: ignore[method-assign]
        api.store.get_task_with_clips = down  # type: ignore[method-assign]  # the poll path
        api.store.ping = down  # type: ignore[method-assign]
        with api.client(key) as client:
            response = client.get("/suno/fetch/some-task")
            assert response.status_code == 503
            assert response.headers["retry-after"] == "5"
            assert response.json()["error"]["code"] == "unavailable"
            ready = client.get("/ready")
            assert ready.status_code == 503 and ready.json()["checks"]["store"].startswith("error")
