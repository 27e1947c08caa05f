"""Distributed mode end to end: an API server and 2 workers as separate processes on PostgreSQL
(Procrastinate queue), over HTTP; and the start-up refusal without API keys."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from distributed_fleet import Fleet, admin_url, create_database, drop_database, job_rows

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(240)]


def test_api_and_two_workers_complete_every_clip_over_http(pg_url: str, tmp_path: Path) -> None:
    fleet = Fleet(tmp_path, pg_url)
    try:
        fleet.start_api()
        fleet.start_worker("w1")
        fleet.start_worker("w2")
        with fleet.client() as client:
            ready = client.get("/ready")
            assert ready.status_code == 200, ready.text
            tasks = [
                fleet.submit(client, "testing:duration=1 testing:slow=1", seed=i) for i in range(3)
            ]
            finished = fleet.wait_terminal(client, tasks, timeout_s=150)
            for task in finished.values():
                assert task["status"] == "SUCCESS", task
                for clip in task["data"]:
                    assert clip["status"] == "complete"
                    audio = httpx.get(
                        clip["audio_url"], timeout=30
                    )  # served from the shared folder
                    assert (
                        audio.status_code == 200 and audio.headers["content-type"] == "audio/mpeg"
                    )
                    assert len(audio.content) > 1000
            metrics = client.get("/metrics").text
        rows = job_rows(pg_url)
        assert len(rows) == 6
        assert all(r["status"] == "succeeded" and r["token"] == 1 for r in rows), rows
        assert {r["queue_name"] for r in rows} == {"testing"}  # the mv's engine is the queue
        assert len({r["worker_name"] for r in rows}) == 2, rows  # both workers took jobs
        gauges = dict(
            line.rsplit(" ", 1)
            for line in metrics.splitlines()
            if line.startswith("songsmith_queue_")
        )
        assert int(gauges["songsmith_queue_workers_alive"]) >= 2, metrics
        assert gauges["songsmith_queue_stalled"] == "0" and gauges["songsmith_queue_running"] == "0"
    finally:
        fleet.stop_all()


def test_distributed_mode_refuses_to_start_without_api_keys(tmp_path: Path, pg_url: str) -> None:
    url = create_database(admin_url())  # a database with no stored key
    try:
        env = Fleet(tmp_path, url).env()
        del env["SONGSMITH_API_KEY"]
        for command in ("serve", "worker"):
            result = subprocess.run(
                [sys.executable, "-c", "from songsmith.cli import app; app()", command,
                 "--database-url", url],
                env=env, capture_output=True, timeout=60,
            )  # fmt: skip
            assert result.returncode == 2, result.stdout + result.stderr
            assert b"needs an API key" in result.stderr
    finally:
        drop_database(admin_url(), url)
