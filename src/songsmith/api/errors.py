"""Every error the API answers, in one place (suno-wire.md section 6).

6.1 gateway-style `{"error": {...}}` for auth, limits, unknown routes and overload; 6.2 task-style
`{"code", "message", "data": null}` for everything a `/suno/*` handler rejects. Nothing a client
can send becomes a 422 or a 500.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from songsmith.domain.errors import RateLimited, SongsmithError, Unavailable

log = logging.getLogger("songsmith.api")

INVALID_API_KEY_MESSAGE = "Invalid or missing API key. Send 'Authorization: Bearer sk-...'."


class GatewayError(Exception):
    """Raised by transport code (auth, body limit) to answer a shape-6.1 error."""

    def __init__(
        self, status: int, code: str, message: str, *, retry_after_s: int | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.retry_after_s = retry_after_s


def gateway_body(code: str, message: str) -> bytes:
    payload = {
        "error": {"message": message, "type": "songsmith_api_error", "param": "", "code": code}
    }
    return json.dumps(payload, separators=(",", ":")).encode()


def gateway_response(
    status: int, code: str, message: str, retry_after_s: int | None = None
) -> Response:
    headers = {"Retry-After": str(retry_after_s)} if retry_after_s is not None else None
    return Response(
        gateway_body(code, message),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


def unauthorized() -> Response:
    """Byte-identical for missing, malformed, wrong and revoked keys (S1)."""
    return gateway_response(401, "invalid_api_key", INVALID_API_KEY_MESSAGE)


def task_error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, "data": None}, status_code=status)


def _field_of(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p != "body"]
    # Pydantic reports union members as extra path parts ("str", "float"): keep the field path.
    parts = [p for p in parts if p not in {"str", "float", "int", "bool", "list[str]"}]
    return ".".join(parts)


def validation_message(exc: RequestValidationError) -> str:
    errors = exc.errors()
    if not errors:
        return "The request is invalid."
    first = errors[0]
    kind = str(first.get("type", ""))
    if kind == "json_invalid":
        return "The request body is not valid JSON."
    field = _field_of(tuple(first.get("loc", ())))
    if not field:
        if kind == "missing":
            return "The request body is required (a JSON object)."
        if isinstance(first.get("input"), bytes | bytearray):
            return "The request body must be a JSON object (Content-Type: application/json)."
        return "The request body must be a JSON object."
    if kind == "missing":
        return f"Field {field!r} is required."
    detail = str(first.get("msg", "has a wrong type"))
    return f"Field {field!r} is invalid: {detail}."


def _has_valid_key(request: Request) -> bool:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    state = getattr(request.app.state, "songsmith", None)
    return state is not None and state.authenticator.authenticate(token.strip()) is not None


def install_error_handlers(app: FastAPI) -> None:
    async def on_domain_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SongsmithError)
        if isinstance(exc, RateLimited):
            return gateway_response(429, "rate_limited", exc.message, exc.retry_after_s)
        if isinstance(exc, Unavailable):
            return gateway_response(503, exc.code, exc.message, 5)
        return task_error(exc.http_status, exc.code, exc.message)

    async def on_gateway_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, GatewayError)
        return gateway_response(exc.status, exc.code, exc.message, exc.retry_after_s)

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        # FastAPI parses a JSON body before it runs dependencies: without this check a caller
        # with no valid key would learn about body errors instead of getting the 401.
        if request.url.path.startswith("/suno") and not _has_valid_key(request):
            return unauthorized()
        return task_error(400, "invalid_request", validation_message(exc))

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if request.url.path.startswith("/suno") and exc.status_code in (404, 405):
            return gateway_response(404, "not_found", "No such route under /suno.")
        if exc.status_code == 404:
            return JSONResponse({"detail": "Not Found"}, status_code=404)
        return JSONResponse(
            {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
        )

    async def on_database_error(request: Request, exc: Exception) -> Response:
        # A database that is down or locked is the server's condition, not the client's: 503.
        log.warning("database unavailable: %s", type(exc).__name__)
        return gateway_response(503, "unavailable", "The database is unavailable; retry.", 5)

    app.add_exception_handler(SongsmithError, on_domain_error)
    app.add_exception_handler(GatewayError, on_gateway_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    from sqlalchemy.exc import OperationalError

    app.add_exception_handler(OperationalError, on_database_error)
