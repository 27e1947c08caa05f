"""An httpx transport that can only reach one checked IP address, under one overall deadline.

The URL keeps its real host name, so the Host header and TLS SNI / certificate checks use the
name, while the socket goes to the address the guard already approved: the name is never
resolved a second time (no DNS rebinding between check and connect).

Every socket read and write is clamped to the time left, so a server that drips one byte per
second (inside the headers too, where per-read timeouts never fire) is cut off at the deadline.
"""

from __future__ import annotations

import functools
import ssl
import time
from collections.abc import Iterable, Iterator
from typing import Any

import httpcore
import httpx

from songsmith.net.errors import FetchError


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end = time.monotonic() + seconds

    def remaining(self) -> float:
        return self._end - time.monotonic()

    def clamp(self, timeout: float | None) -> float:
        """The timeout for one socket operation; raises once the deadline has passed."""
        left = self.remaining()
        if left <= 0:
            raise httpcore.ReadTimeout(f"overall deadline of {self.seconds:g} s exceeded")
        return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, deadline: Deadline) -> None:
        self._inner = inner
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._deadline.clamp(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._deadline.clamp(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname, self._deadline.clamp(timeout))
        return _DeadlineStream(inner, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class PinnedBackend(httpcore.NetworkBackend):
    """Connects every request to `ip:port`, whatever host name the request carries."""

    def __init__(self, ip: str, port: int, deadline: Deadline) -> None:
        self._ip = ip
        self._port = port
        self._deadline = deadline
        self._inner = httpcore.SyncBackend()
        self.connections = 0

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        if port != self._port:
            # Never reached through httpx (one transport per checked URL), but a port the guard
            # did not see must not be connected to.
            raise httpcore.ConnectError(f"port {port} was not checked (expected {self._port})")
        self.connections += 1
        stream = self._inner.connect_tcp(
            self._ip, port, self._deadline.clamp(timeout), local_address, socket_options
        )
        return _DeadlineStream(stream, self._deadline)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are never used for outbound fetches")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def _as_fetch_error(exc: Exception) -> FetchError:
    if isinstance(exc, FetchError):
        return exc
    if isinstance(exc, httpcore.TimeoutException | httpx.TimeoutException):
        return FetchError("timeout", f"The server did not answer in time ({exc}).")
    if isinstance(exc, httpcore.ConnectError | httpx.ConnectError):
        return FetchError("connect_failed", f"Cannot connect to the server ({exc}).")
    return FetchError("protocol_error", f"The transfer failed ({type(exc).__name__}: {exc}).")


_TRANSFER_ERRORS = (httpcore.TimeoutException, httpcore.NetworkError, httpcore.ProtocolError)


class _ResponseStream(httpx.SyncByteStream):
    def __init__(self, inner: Iterable[bytes]) -> None:
        self._inner = inner

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._inner
        except _TRANSFER_ERRORS as exc:
            raise _as_fetch_error(exc) from None

    def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if close is not None:
            close()


@functools.cache
def _tls_context() -> ssl.SSLContext:
    # Loading the CA bundle costs ~50 ms; one verifying context serves every fetch.
    return httpx.create_ssl_context()


class PinnedTransport(httpx.BaseTransport):
    """httpx transport over a one-connection httpcore pool whose sockets go to one checked IP."""

    def __init__(self, ip: str, port: int, deadline: Deadline, *, tls: bool) -> None:
        self.backend = PinnedBackend(ip, port, deadline)
        self._pool = httpcore.ConnectionPool(
            ssl_context=_tls_context() if tls else None,
            max_connections=1,
            retries=0,
            network_backend=self.backend,
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        try:
            response = self._pool.handle_request(core_request)
        except _TRANSFER_ERRORS as exc:
            raise _as_fetch_error(exc) from None
        assert isinstance(response.stream, Iterable)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(response.stream),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._pool.close()
