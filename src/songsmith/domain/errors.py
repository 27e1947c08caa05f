"""One exception hierarchy; `api/errors.py` maps it to wire errors in one place."""

from __future__ import annotations


class SongsmithError(Exception):
    """Base of every error songsmith raises on purpose. `code` is the wire code."""

    code = "invalid_request"
    http_status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidRequest(SongsmithError):
    code = "invalid_request"


class PromptEmpty(SongsmithError):
    code = "prompt_empty"


class TaskNotExist(SongsmithError):
    code = "task_not_exist"


class ClipNotExist(SongsmithError):
    """Unknown clip or persona, or one of another API key: the same answer."""

    code = "clip_not_exist"


class ClipNotReady(SongsmithError):
    code = "clip_not_ready"


class InvalidModelVersion(SongsmithError):
    code = "invalid_mv"


class NotSupported(SongsmithError):
    code = "not_supported"


class Unavailable(SongsmithError):
    """A dependency (database, queue) is down: 503 with Retry-After."""

    code = "unavailable"
    http_status = 503


class RateLimited(SongsmithError):
    code = "rate_limited"
    http_status = 429

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class GenerationFailed(Exception):
    """Raised inside a worker: the clip ends `error` with this type and sentence (no retry)."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
