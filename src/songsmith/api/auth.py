"""Bearer-key authentication and the per-key rate limit, as one route dependency."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from songsmith.api.errors import INVALID_API_KEY_MESSAGE, GatewayError
from songsmith.api.state import AppState, app_state
from songsmith.domain.models import ApiKey

# auto_error=False: a missing header must produce our 401 body, not FastAPI's 403.
bearer_scheme = HTTPBearer(auto_error=False, description="songsmith API key: `sk-...`")


def _unauthorized() -> GatewayError:
    return GatewayError(401, "invalid_api_key", INVALID_API_KEY_MESSAGE)


def current_key(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> ApiKey:
    """The key behind `Authorization: Bearer sk-...`, after the key's rate limit."""
    state: AppState = app_state(request)
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _unauthorized()
    key = state.authenticator.authenticate(credentials.credentials.strip())
    if key is None:
        raise _unauthorized()
    state.limiter.check(key.id)
    return key


AuthKey = Annotated[ApiKey, Depends(current_key)]  # route parameter type: the caller's key
