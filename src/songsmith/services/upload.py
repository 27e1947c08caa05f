"""`POST /suno/uploads/audio-url`: check the URL at submit, then fetch and decode it in the job.

Submit refuses what can be known up front (malformed, not http(s), host resolving to a blocked
address) with a 400. The job fetches through the SSRF-safe client (the address is checked again:
DNS answers can change) within the size limit, then decodes through `safe_decode` within the
duration limit. Job failures are `GenerationFailed` with these error types:
`invalid_url` (blocked or malformed by the time the job ran, including a redirect), `fetch_failed`
(network, timeout, HTTP status not 2xx), `too_large` (over the size limit), `invalid_audio`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from songsmith.config import Settings
from songsmith.domain.errors import GenerationFailed, InvalidRequest
from songsmith.media.safe_decode import probe_and_decode, probe_and_decode_isolated
from songsmith.net.errors import FetchError, InvalidUrl
from songsmith.net.fetch import safe_fetch
from songsmith.net.guard import AddressPolicy
from songsmith.net.urls import Resolver, validate_url

DECODE_TIMEOUT_S = 120.0


def upload_policy(settings: Settings) -> AddressPolicy:
    return AddressPolicy.from_setting(settings.fetch_allow_cidrs)


def validate_upload_url(url: str, settings: Settings, *, resolver: Resolver | None = None) -> str:
    """The URL as it will be fetched; `InvalidRequest` (400 `invalid_request`) when refused."""
    try:
        target = validate_url(
            url, upload_policy(settings), resolver=resolver, timeout_s=settings.fetch_timeout_s
        )
    except InvalidUrl as exc:
        raise InvalidRequest(f"url: {exc.message}") from None
    return target.parsed.url


def fetch_upload(url: str, settings: Settings, *, resolver: Resolver | None = None) -> bytes:
    """The file's bytes, or `GenerationFailed` saying why not."""
    try:
        result = safe_fetch(
            url,
            policy=upload_policy(settings),
            max_bytes=settings.upload_max_bytes,
            timeout_s=settings.fetch_timeout_s,
            resolver=resolver,
        )
    except InvalidUrl as exc:
        raise GenerationFailed(
            "invalid_url", f"The upload URL was refused: {exc.message}"
        ) from None
    except FetchError as exc:
        error_type = "too_large" if exc.code == "too_large" else "fetch_failed"
        raise GenerationFailed(
            error_type, f"The upload could not be fetched: {exc.message}"
        ) from None
    if not 200 <= result.status < 300:
        raise GenerationFailed(
            "fetch_failed", f"The upload URL answered HTTP {result.status}, not the audio file."
        )
    return result.body


def run_upload(
    url: str,
    settings: Settings,
    *,
    resolver: Resolver | None = None,
    decode_timeout_s: float = DECODE_TIMEOUT_S,
    isolate: bool = True,
) -> tuple[np.ndarray[Any, np.dtype[np.float32]], int]:
    """Fetch and decode an uploaded file: float32 stereo `(samples, 2)` and its sample rate.

    `isolate` decodes in a child process with hard time and memory limits (the default: the
    bytes are a stranger's). Raises `GenerationFailed` (`InvalidAudio` is one, with error type
    `invalid_audio`).
    """
    data = fetch_upload(url, settings, resolver=resolver)
    decode = probe_and_decode_isolated if isolate else probe_and_decode
    return decode(
        data,
        max_duration_s=settings.upload_max_duration_s,
        max_bytes=settings.upload_max_bytes,
        timeout_s=decode_timeout_s,
    )
