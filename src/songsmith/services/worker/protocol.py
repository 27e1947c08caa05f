"""Messages between a worker and its job process: one JSON object per line over a pipe."""

from __future__ import annotations

import json
import os
from typing import Any

from songsmith.queue.typing import JobSpec, Lease


def lease_to_dict(lease: Lease) -> dict[str, Any]:
    spec = lease.spec
    return {
        "job_id": lease.job_id,
        "attempt": lease.attempt,
        "worker_id": lease.worker_id,
        "expires_at": lease.expires_at,
        "spec": {
            "task_id": spec.task_id,
            "clip_id": spec.clip_id,
            "kind": spec.kind,
            "queue": spec.queue,
            "payload": spec.payload,
        },
    }


def lease_from_dict(data: dict[str, Any]) -> Lease:
    spec = data["spec"]
    return Lease(
        job_id=data["job_id"],
        spec=JobSpec(
            task_id=spec["task_id"],
            clip_id=spec["clip_id"],
            kind=spec["kind"],
            queue=spec["queue"],
            payload=dict(spec["payload"]),
        ),
        attempt=int(data["attempt"]),
        worker_id=data["worker_id"],
        expires_at=float(data["expires_at"]),
    )


def send(fd: int, message: dict[str, Any]) -> None:
    data = (json.dumps(message) + "\n").encode()
    while data:
        written = os.write(fd, data)
        data = data[written:]


class LineReader:
    """Reads whole lines from a pipe fd without blocking past what select() promised."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._buffer = b""
        self.eof = False

    def read_available(self) -> list[dict[str, Any]]:
        chunk = os.read(self.fd, 65536)
        if not chunk:
            self.eof = True
        self._buffer += chunk
        messages = []
        while b"\n" in self._buffer:
            line, self._buffer = self._buffer.split(b"\n", 1)
            if line.strip():
                messages.append(json.loads(line))
        return messages

    def read_blocking(self) -> dict[str, Any] | None:
        """The next message, or None at end of file."""
        while True:
            if b"\n" in self._buffer:
                line, self._buffer = self._buffer.split(b"\n", 1)
                if line.strip():
                    return dict(json.loads(line))
                continue
            chunk = os.read(self.fd, 65536)
            if not chunk:
                self.eof = True
                return None
            self._buffer += chunk
