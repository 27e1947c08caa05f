"""SSRF-safe HTTP fetch: each hop checked and pinned to its checked address; time, size capped."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin

import httpx

from songsmith.net.errors import FetchError
from songsmith.net.guard import AddressPolicy
from songsmith.net.pinned import Deadline, PinnedTransport
from songsmith.net.urls import Resolver, check_target, parse_url

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Headers that must not follow a redirect to another origin.
_CREDENTIAL_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})


@dataclass(frozen=True)
class FetchResult:
    status: int
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""
    url: str = ""  # the URL that answered, after redirects


def safe_fetch(
    url: str,
    *,
    policy: AddressPolicy,
    max_bytes: int,
    timeout_s: float = 30.0,
    method: str = "GET",
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    max_redirects: int = 3,
    resolver: Resolver | None = None,
) -> FetchResult:
    """Fetch `url`, following at most `max_redirects` redirects, each hop re-validated.

    `timeout_s` bounds the whole call (DNS, connects, TLS, every byte of every hop). The body is
    read while streaming and the fetch stops as soon as it would exceed `max_bytes`. Raises
    `InvalidUrl` for a bad or blocked URL (also on a redirect hop), `FetchError` otherwise.
    Any HTTP status is returned as a result; only transport problems raise.
    """
    deadline = Deadline(timeout_s)
    send_headers = {"user-agent": "songsmith", "accept-encoding": "identity"}
    send_headers.update({k.lower(): v for k, v in (headers or {}).items()})
    current = url
    origin: tuple[str, str, int] | None = None
    for hop in range(max_redirects + 1):
        parsed = parse_url(current)
        target = check_target(
            parsed, policy, resolver=resolver, timeout_s=max(deadline.remaining(), 0.0)
        )
        hop_origin = (parsed.scheme, parsed.host, parsed.port)
        if origin is not None and hop_origin != origin:
            send_headers = {k: v for k, v in send_headers.items() if k not in _CREDENTIAL_HEADERS}
        origin = hop_origin
        status, response_headers, content = _one_hop(
            target.connect_ip, parsed.port, parsed.url, method, body, send_headers,
            max_bytes=max_bytes, deadline=deadline,
        )  # fmt: skip
        location = response_headers.get("location")
        if status not in REDIRECT_STATUSES or location is None:
            return FetchResult(status=status, headers=response_headers, body=content, url=current)
        if hop == max_redirects:
            break
        current = urljoin(parsed.url, location)
        if status == 303 or (status in (301, 302) and method == "POST"):
            # What browsers and httpx do: the follow-up is a GET without the body.
            method, body = "GET", None
            send_headers.pop("content-type", None)
    raise FetchError("too_many_redirects", f"More than {max_redirects} redirects from {url!r}.")


def _one_hop(
    ip: str,
    port: int,
    url: str,
    method: str,
    body: bytes | None,
    headers: Mapping[str, str],
    *,
    max_bytes: int,
    deadline: Deadline,
) -> tuple[int, dict[str, str], bytes]:
    left = deadline.remaining()
    if left <= 0:
        raise FetchError("timeout", f"The fetch took longer than {deadline.seconds:g} s.")
    transport = PinnedTransport(ip, port, deadline, tls=url.startswith("https:"))
    # trust_env=False: a proxy from the environment would connect to the name, not the checked IP.
    with httpx.Client(
        transport=transport, trust_env=False, follow_redirects=False, timeout=left
    ) as client:
        try:
            with client.stream(method, url, content=body, headers=dict(headers)) as response:
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise FetchError(
                        "too_large", f"The response declares {declared} bytes (limit {max_bytes})."
                    )
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise FetchError("too_large", f"The response exceeds {max_bytes} bytes.")
                    chunks.append(chunk)
                    if deadline.remaining() <= 0:
                        raise FetchError(
                            "timeout", f"The fetch took longer than {deadline.seconds:g} s."
                        )
                merged: dict[str, str] = {}
                for name, value in response.headers.multi_items():
                    key = name.lower()
                    merged[key] = f"{merged[key]}, {value}" if key in merged else value
                return response.status_code, merged, b"".join(chunks)
        except FetchError:
            raise
        except httpx.HTTPError as exc:
            if isinstance(exc, httpx.TimeoutException):
                raise FetchError("timeout", f"The server did not answer in time ({exc}).") from None
            raise FetchError("protocol_error", f"The transfer failed ({exc}).") from None
