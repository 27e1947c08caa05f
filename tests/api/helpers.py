"""Shared helpers of the HTTP tests: a real app on real ports, served by uvicorn on a free port."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import uvicorn
from fastapi import FastAPI

from songsmith.api.app import create_app
from songsmith.blobs.local import LocalBlobStore
from songsmith.config import Settings
from songsmith.queue.sql import SqlQueue
from songsmith.services.keys import CreatedKey, create_key
from songsmith.store.sql import SqlStore


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def serve_in_thread(app: FastAPI, sock: socket.socket) -> Iterator[str]:
    """Run `app` under uvicorn in a thread on `sock`; yields the base URL."""
    config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    host, port = sock.getsockname()[:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class Api:
    """A running server plus direct access to its ports (to stage clip states)."""

    base_url: str
    settings: Settings
    store: SqlStore
    queue: SqlQueue
    blobs: LocalBlobStore
    app: FastAPI

    def key(self, name: str = "test") -> CreatedKey:
        return create_key(self.store, name)

    def client(self, key: CreatedKey | str | None = None) -> httpx.Client:
        headers = {}
        if key is not None:
            secret = key if isinstance(key, str) else key.secret
            headers["Authorization"] = f"Bearer {secret}"
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=30)


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "default_engine": "testing",
        "rate_limit_per_minute": 0,
        "queue_cap_per_key": 0,
    }
    values.update(overrides)
    return Settings(**values)


@contextmanager
def running_api(data_dir: Path, **overrides: Any) -> Iterator[Api]:
    sock = free_socket()
    host, port = sock.getsockname()[:2]
    settings = make_settings(data_dir, public_base_url=f"http://{host}:{port}", **overrides)
    store = SqlStore(settings.resolved_database_url)
    queue = SqlQueue(settings.resolved_database_url)
    blobs = LocalBlobStore(settings.blob_dir, settings.resolved_public_base_url)
    app = create_app(settings, store=store, queue=queue, blobs=blobs)
    with serve_in_thread(app, sock) as base_url:
        yield Api(base_url, settings, store, queue, blobs, app)
    store.close()
    queue.close()


def tone_mp3(seconds: float = 1.0) -> bytes:
    from songsmith.media.codecs import encode_mp3

    t = np.arange(int(44100 * seconds), dtype=np.float32) / 44100
    mono = 0.3 * np.sin(2 * np.pi * 440 * t).astype(np.float32)
    return encode_mp3(np.stack([mono, mono], axis=1), 44100)


def complete_clip_now(api: Api, clip_id: str, *, with_timing: bool = True) -> None:
    """Stage a clip as a worker would leave it: real mp3, cover, timing JSON (attempt 1)."""
    assert api.store.start_clip(clip_id, 1)
    artifacts = {
        "mp3": api.blobs.put(tone_mp3(), content_type="audio/mpeg", suffix="mp3"),
        "image": api.blobs.put(b"\xff\xd8\xff\xd9", content_type="image/jpeg", suffix="jpg"),
        "image_large": api.blobs.put(b"\xff\xd8\xff\xd9", content_type="image/jpeg", suffix="jpg"),
    }
    if with_timing:
        words = [
            {"word": "[Verse]\nhello ", "start_s": 0.0, "end_s": 0.4},
            {"word": "world", "start_s": 0.4, "end_s": 0.9},
        ]
        artifacts["timing"] = api.blobs.put(
            json.dumps(words).encode(), content_type="application/json", suffix="json"
        )
    assert api.store.complete_clip(
        clip_id,
        1,
        duration=1.0,
        artifacts=artifacts,
        metadata={"bpm": 120.0, "key": "C major", "has_vocal": True},
    )


def submit_custom(client: httpx.Client, **extra: Any) -> str:
    body = {"prompt": "[Verse]\nhello world", "tags": "pop", "seed": 7, **extra}
    response = client.post("/suno/submit/music", json=body)
    assert response.status_code == 200, response.text
    task_id = response.json()["data"]
    assert isinstance(task_id, str)
    return task_id


def clip_ids_of(api: Api, task_id: str) -> list[str]:
    task = api.store.get_task(task_id, None)
    assert task is not None
    return list(task.clip_ids)
