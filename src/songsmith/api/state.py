"""What the routes share: built once by `create_app`, reached through `request.app.state`."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from songsmith.api.metrics import Metrics
from songsmith.blobs.typing import BlobStore
from songsmith.config import Settings
from songsmith.queue.typing import Queue
from songsmith.services.keys import KeyAuthenticator
from songsmith.services.ratelimit import RateLimiter
from songsmith.services.submit import SubmitContext
from songsmith.store.typing import Store


@dataclass
class AppState:
    settings: Settings
    store: Store
    queue: Queue
    blobs: BlobStore
    authenticator: KeyAuthenticator
    limiter: RateLimiter
    submit: SubmitContext
    metrics: Metrics


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.songsmith
    return state
