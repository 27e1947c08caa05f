"""Tripwires for the security corpora: a TCP listener and a named pipe that count every touch.

A canary only proves something if it would notice: the listener counts accepted connections on a
real socket; the FIFO is opened by any reader only once a writer shows up, and the watcher's
non-blocking open for writing succeeds exactly when someone has it open for reading.
"""

from __future__ import annotations

import errno
import os
import socket
import threading
import time
from pathlib import Path


class CanaryListener:
    """A TCP server on `host` that accepts, counts and closes; any count > 0 is a leak."""

    def __init__(self, host: str = "127.0.0.2") -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._sock = socket.socket(family, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, 0))
        self._sock.listen(16)
        self._sock.settimeout(0.05)
        self.host = host
        self.port: int = self._sock.getsockname()[1]
        self.accepts = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="canary-listener", daemon=True)
        self._thread.start()

    @property
    def url_host(self) -> str:
        return f"[{self.host}]" if ":" in self.host else self.host

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepts += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self._sock.close()


class FifoCanary:
    """A named pipe standing in for a local file that hostile input points at."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "canary-secret.wav"
        os.mkfifo(self.path)
        self.opens = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="canary-fifo", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as exc:
                if exc.errno != errno.ENXIO:  # ENXIO: nobody is reading, the normal case
                    return
                time.sleep(0.002)
                continue
            # Someone opened the "file" for reading: count it and let them see end-of-file.
            self.opens += 1
            os.close(fd)
            time.sleep(0.01)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
