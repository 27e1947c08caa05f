"""A real local HTTP server with the behaviours the fetch tests need (redirects, drip, size)."""

from __future__ import annotations

import http.server
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class ServerState:
    requests: list[Seen] = field(default_factory=list)
    # path -> (status, body) answered in order, for "fail twice then succeed" receivers
    scripted: dict[str, list[tuple[int, bytes]]] = field(default_factory=dict)


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # quiet test output
        return

    def _record(self) -> Seen:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        seen = Seen(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        self.server.state.requests.append(seen)
        return seen

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        seen = self._record()
        parts = urlsplit(seen.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        route = parts.path
        script = self.server.state.scripted.get(route)
        if script:
            status, body = script.pop(0) if len(script) > 1 else script[0]
            self._send(status, body)
        elif route == "/ok":
            self._send(200, b"hello from " + seen.headers.get("host", "").encode())
        elif route == "/redirect":
            self._send(int(query.get("status", "302")), b"", {"location": query["to"]})
        elif route == "/loop":
            self._send(302, b"", {"location": "/loop"})
        elif route == "/big":
            self._send(200, b"x" * int(query.get("n", "1000")))
        elif route == "/big-undeclared":
            self._stream_chunked(b"y" * 65536, int(query.get("chunks", "20")))
        elif route == "/drip-body":
            self._drip(head_first=True, interval=float(query.get("interval", "1.0")))
        elif route == "/drip-head":
            self._drip(head_first=False, interval=float(query.get("interval", "1.0")))
        elif route.startswith("/file/"):
            body = self.server.files.get(route[len("/file/") :], b"")
            self._send(200 if body else 404, body, {"content-type": "application/octet-stream"})
        else:
            self._send(404, b"not found")

    def _stream_chunked(self, chunk: bytes, count: int) -> None:
        self.send_response(200)
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        try:
            for _ in range(count):
                self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            return

    def _drip(self, *, head_first: bool, interval: float) -> None:
        """A byte every `interval` seconds: each read succeeds, so per-read timeouts never fire."""
        head = b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n"
        payload = head + b"z" * 1000
        start = 0
        if head_first:
            self.wfile.write(head)
            self.wfile.flush()
            start = len(head)
        try:
            for i in range(start, len(payload)):
                if self.server.stopping.is_set():
                    return
                self.wfile.write(payload[i : i + 1])
                self.wfile.flush()
                time.sleep(interval)
        except OSError:
            return


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    state: ServerState
    files: dict[str, bytes]
    stopping: threading.Event

    def handle_error(self, request: object, client_address: object) -> None:
        return  # clients hanging up mid-answer (size caps, deadlines) are what the tests do


class LocalHttpServer:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self._server = _Server((host, 0), _Handler)
        self._server.state = ServerState()
        self._server.files = {}
        self._server.stopping = threading.Event()
        self.host = host
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    @property
    def state(self) -> ServerState:
        return self._server.state

    @property
    def files(self) -> dict[str, bytes]:
        return self._server.files

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def close(self) -> None:
        self._server.stopping.set()
        self._server.shutdown()
        self._server.server_close()
