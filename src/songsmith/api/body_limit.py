"""Request body limit (S5): 413 by `Content-Length` at once, or by counting a streamed body."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from songsmith.api.errors import gateway_body

# A rejected body up to this size is read and discarded before the 413 goes out: a server that
# closes with unread bytes in its socket makes the kernel send a reset, and the client may lose
# the 413 (seen as a CI flake: httpx ReadError instead of the answer). Larger bodies are cut off.
_DRAIN_LIMIT_BYTES = 1 << 20


class BodyLimitMiddleware:
    """Buffers bodies up to `max_bytes` (they are small JSON) and replays them to the app."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared > self.max_bytes:
                    if declared <= _DRAIN_LIMIT_BYTES:
                        await _drain(receive, _DRAIN_LIMIT_BYTES)
                    await self._reject(send)
                    return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                if message.get("more_body", False):
                    await _drain(receive, _DRAIN_LIMIT_BYTES - size)
                await self._reject(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _reject(self, send: Send) -> None:
        body = gateway_body(
            "request_too_large", f"The request body exceeds {self.max_bytes} bytes."
        )
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


async def _drain(receive: Receive, budget: int) -> None:
    """Read and drop the rest of a request body, at most `budget` more bytes."""
    while budget > 0:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        budget -= len(message.get("body", b""))
        if not message.get("more_body", False):
            return
