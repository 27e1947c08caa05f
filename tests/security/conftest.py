"""Fixtures for the security corpora: canaries that count touches, a local server, a connect log."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from security_canaries import CanaryListener, FifoCanary
from security_servers import LocalHttpServer


@pytest.fixture
def canaries() -> Iterator[dict[str, CanaryListener]]:
    """Listeners on 127.0.0.1 and on two other loopback addresses; none may ever see a connect."""
    made = {host: CanaryListener(host) for host in ("127.0.0.1", "127.0.0.2", "127.0.0.3")}
    yield made
    for listener in made.values():
        listener.close()


@pytest.fixture
def fifo_canary(tmp_path: Path) -> Iterator[FifoCanary]:
    canary = FifoCanary(tmp_path)
    yield canary
    canary.close()


@pytest.fixture
def http_server() -> Iterator[LocalHttpServer]:
    server = LocalHttpServer("127.0.0.1")
    yield server
    server.close()


@pytest.fixture
def connect_log(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every address this process's sockets try to connect to while the test runs."""
    seen: list[Any] = []
    real_connect = socket.socket.connect

    def recording_connect(self: socket.socket, address: Any) -> None:
        seen.append(address)
        real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", recording_connect)
    return seen
