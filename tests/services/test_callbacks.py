"""notify_hook callbacks against a real local receiver that checks signatures."""

from __future__ import annotations

import http.server
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from songsmith.config import Settings
from songsmith.domain.errors import InvalidRequest
from songsmith.domain.models import ApiKey, Clip, Task
from songsmith.domain.statuses import Action, ClipStatus, Mode, TaskStatus
from songsmith.services.callbacks import (
    SIGNATURE_HEADER,
    deliver,
    notify_task,
    sign,
    validate_hook_url,
    verify,
)
from songsmith.store.sql import SqlStore

SECRET = "whsec_test_0123456789abcdef"
LOCAL = Settings(fetch_allow_cidrs="127.0.0.1/32", fetch_timeout_s=5.0)


@dataclass
class Receiver:
    """Answers the scripted statuses in order (the last one repeats) and checks every signature."""

    statuses: list[int]
    secret: str = SECRET
    delay_s: float = 0.0
    got: list[tuple[dict[str, Any], bool, str]] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)


def _handler(receiver: Receiver) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            signature = self.headers.get(SIGNATURE_HEADER, "")
            valid = verify(receiver.secret, body, signature)
            receiver.got.append((json.loads(body), valid, self.headers["content-type"]))
            time.sleep(receiver.delay_s)
            status = (
                receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
            )
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()
            receiver.arrived.set()

    return Handler


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    state = Receiver(statuses=[200])
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02})
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()
    thread.join(2)


def test_signature_format_and_verification() -> None:
    body = b'{"task_id":"t1"}'
    header = sign(SECRET, body, 1_700_000_000)
    t, v1 = header.split(",")
    assert t == "t=1700000000"
    assert v1.startswith("v1=") and len(v1) == 3 + 64
    assert verify(SECRET, body, header, now=1_700_000_100)
    assert not verify(SECRET, body + b" ", header, now=1_700_000_100)  # tampered
    assert not verify("other", body, header, now=1_700_000_100)  # wrong secret
    assert not verify(SECRET, body, header, now=1_700_001_000)  # stale
    assert not verify(SECRET, body, "v1=abc", now=1_700_000_100)  # malformed


def test_retries_on_500_then_succeeds(receiver: tuple[Receiver, str]) -> None:
    state, url = receiver
    state.statuses[:] = [500, 503, 200]
    waits: list[float] = []
    payload = {"task_id": "t1", "status": "SUCCESS", "title": "Café ☕"}
    assert deliver(url, payload, SECRET, LOCAL, backoff_s=0.01, sleep=waits.append)
    assert [g[0] for g in state.got] == [payload] * 3
    assert all(valid for _, valid, _ in state.got)
    assert {ctype for _, _, ctype in state.got} == {"application/json"}
    assert waits == [0.01, 0.02]


def test_dead_receiver_never_raises_and_backs_off() -> None:
    with socket.socket() as probe:  # a port with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    waits: list[float] = []
    url = f"http://127.0.0.1:{port}/hook"
    assert not deliver(url, {"task_id": "t"}, SECRET, LOCAL, backoff_s=0.01, sleep=waits.append)
    assert waits == [0.01, 0.02, 0.04, 0.08]  # 5 tries


def test_blocked_hook_is_not_retried_and_not_connected(receiver: tuple[Receiver, str]) -> None:
    state, url = receiver
    waits: list[float] = []
    strict = Settings(fetch_allow_cidrs="")
    assert not deliver(url, {"task_id": "t"}, SECRET, strict, sleep=waits.append)
    assert waits == [] and state.got == []


def test_hook_url_is_checked_at_submit() -> None:
    assert validate_hook_url("http://127.0.0.1:9/h", LOCAL) == "http://127.0.0.1:9/h"
    for url in ("http://127.0.0.2/h", "file:///etc/passwd", "http://169.254.169.254/"):
        with pytest.raises(InvalidRequest, match=r"^notify_hook: "):
            validate_hook_url(url, LOCAL)


def test_unserialisable_payload_does_not_raise(receiver: tuple[Receiver, str]) -> None:
    _, url = receiver
    assert not deliver(url, {"bad": object()}, SECRET, LOCAL, tries=1)


def make_store(tmp_path: Path, hook: str) -> SqlStore:
    tmp_path.mkdir(parents=True, exist_ok=True)
    store = SqlStore(f"sqlite:///{tmp_path / 'db.sqlite'}")
    now = datetime.now(UTC)
    store.create_key(ApiKey("key_1", "dev", "0" * 64, SECRET, now))
    task = Task(
        id="task_1", key_id="key_1", action=Action.MUSIC, mode=Mode.CUSTOM,
        status=TaskStatus.SUBMITTED, submit_time=int(now.timestamp()), request={},
        notify_hook=hook, clip_ids=["clip_1"],
    )  # fmt: skip
    clip = Clip(
        id="clip_1", task_id="task_1", key_id="key_1", index=0, status=ClipStatus.SUBMITTED,
        title="City Lights", mv="chirp-auk", created_at=now,
    )  # fmt: skip
    store.create_task(task, [clip])
    return store


def test_notify_task_posts_the_wire_task_object_off_the_hot_path(
    tmp_path: Path, receiver: tuple[Receiver, str]
) -> None:
    state, url = receiver
    state.delay_s = 1.0  # a slow receiver
    store = make_store(tmp_path, url)
    try:
        store.set_task_status("task_1", TaskStatus.FAILURE, fail_reason="The job failed.")
        started = time.monotonic()
        thread = notify_task(store, "task_1", LOCAL, backoff_s=0.01)
        assert time.monotonic() - started < 0.5  # the worker is not held up by the receiver
        assert thread is not None
        thread.join(10)
        assert not thread.is_alive()
    finally:
        store.close()
    [(payload, valid, _)] = state.got
    assert valid
    assert payload["task_id"] == "task_1"
    assert payload["status"] == "FAILURE"
    assert payload["fail_reason"] == "The job failed."
    assert payload["notify_hook"] == url
    assert payload["action"] == "MUSIC"
    assert payload["progress"].endswith("%")
    assert [c["id"] for c in payload["data"]] == ["clip_1"]


def test_notify_task_without_hook_or_key_sends_nothing(
    tmp_path: Path, receiver: tuple[Receiver, str]
) -> None:
    state, url = receiver
    no_hook = make_store(tmp_path / "a", "")
    with_hook = make_store(tmp_path / "b", url)
    try:
        assert notify_task(no_hook, "task_1", LOCAL) is None
        assert notify_task(with_hook, "no_such_task", LOCAL) is None
        assert with_hook.revoke_key("key_1")
        assert notify_task(with_hook, "task_1", LOCAL) is None  # its key is gone
    finally:
        no_hook.close()
        with_hook.close()
    assert state.got == []
