"""Parse an outbound URL strictly, resolve its host once, and check every address it resolves to.

Numeric spellings such as `127.1`, `2130706433`, `0x7f.1` or `017700000001` are not decoded here:
they go to the same resolver the OS uses, so they are judged as exactly the address a connection
would reach.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from songsmith.net.errors import InvalidUrl
from songsmith.net.guard import AddressPolicy, BlockedAddress, IPAddress, connect_address

# host, port -> the IP addresses (as text) a connection could go to
Resolver = Callable[[str, int], list[str]]

MAX_URL_LENGTH = 4096
DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-_")


@dataclass(frozen=True)
class ParsedUrl:
    scheme: str  # "http" | "https"
    host: str  # lower-case ASCII name or IP literal, without brackets
    port: int
    target: str  # path and query, always starting with "/"

    @property
    def is_ip_literal(self) -> bool:
        try:
            ipaddress.ip_address(self.host)
        except ValueError:
            return False
        return True

    @property
    def url(self) -> str:
        """The URL rebuilt from the checked parts: what the HTTP client is given, nothing else."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = "" if DEFAULT_PORTS[self.scheme] == self.port else f":{self.port}"
        return f"{self.scheme}://{host}{port}{self.target}"


@dataclass(frozen=True)
class CheckedTarget:
    parsed: ParsedUrl
    addresses: tuple[IPAddress, ...]  # every resolved address, all checked

    @property
    def connect_ip(self) -> str:
        return str(connect_address(self.addresses[0]))


def parse_url(url: str) -> ParsedUrl:
    """Strict http(s) URL parsing; raises `InvalidUrl` (code `invalid_url`)."""
    if not isinstance(url, str) or not url:
        raise InvalidUrl("invalid_url", "The URL is empty.")
    if len(url) > MAX_URL_LENGTH:
        raise InvalidUrl("invalid_url", f"The URL is longer than {MAX_URL_LENGTH} characters.")
    # Whitespace, control characters and backslashes are where URL parsers disagree with each
    # other (a browser-style parser reads `\` as `/`): refuse them instead of guessing.
    if any(ch <= " " or ch == "\x7f" or ch == "\\" for ch in url):
        raise InvalidUrl("invalid_url", "The URL contains whitespace, control characters or '\\'.")
    try:
        parts = urlsplit(url)
        port_value = parts.port
    except ValueError as exc:
        raise InvalidUrl("invalid_url", f"The URL cannot be parsed: {exc}.") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise InvalidUrl("invalid_url", f"Only http and https URLs are fetched, not {scheme!r}.")
    netloc = parts.netloc
    if "@" in netloc:
        raise InvalidUrl("invalid_url", "URLs with user information ('user@host') are refused.")
    if netloc.startswith("["):
        host = _bracketed_host(netloc)
    else:
        host = _name_host(netloc.rpartition(":")[0] if ":" in netloc else netloc)
    port = port_value if port_value is not None else DEFAULT_PORTS[scheme]
    if not 0 < port < 65536:
        raise InvalidUrl("invalid_url", f"Port {port} is out of range.")
    target = parts.path or "/"
    if not target.startswith("/"):
        raise InvalidUrl("invalid_url", "The URL path must start with '/'.")
    if parts.query:
        target = f"{target}?{parts.query}"
    return ParsedUrl(scheme=scheme, host=host, port=port, target=target)


def _bracketed_host(netloc: str) -> str:
    inside, sep, rest = netloc[1:].partition("]")
    if not sep:
        raise InvalidUrl("invalid_url", "Unclosed '[' in the URL host.")
    if rest and not (rest.startswith(":") and rest[1:].isdigit()):
        raise InvalidUrl("invalid_url", f"Unexpected {rest!r} after the IPv6 address.")
    if "%" in inside:
        raise InvalidUrl("invalid_url", "IPv6 zone identifiers are refused.")
    try:
        return str(ipaddress.IPv6Address(inside))
    except ValueError:
        raise InvalidUrl("invalid_url", f"{inside!r} is not an IPv6 address.") from None


def _name_host(raw: str) -> str:
    if not raw:
        raise InvalidUrl("invalid_url", "The URL has no host.")
    if "%" in raw:
        raise InvalidUrl("invalid_url", "Percent-encoded host names are refused.")
    try:
        host = raw.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise InvalidUrl("invalid_url", f"{raw!r} is not a valid host name.") from None
    if not host or not set(host) <= _HOST_CHARS or ".." in host or host.startswith("."):
        raise InvalidUrl("invalid_url", f"{raw!r} is not a valid host name.")
    return host


def system_resolver(host: str, port: int) -> list[str]:
    """What the OS would connect to: every address `getaddrinfo` returns, in its order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in seen:
            seen.append(address)
    return seen


def resolve_with_timeout(resolver: Resolver, host: str, port: int, timeout_s: float) -> list[str]:
    """`getaddrinfo` cannot be cancelled: wait in a daemon thread so a hung DNS stays bounded."""
    box: dict[str, list[str] | BaseException] = {}

    def run() -> None:
        try:
            box["ok"] = resolver(host, port)
        except BaseException as exc:  # handed to the caller below
            box["error"] = exc

    worker = threading.Thread(target=run, name="songsmith-resolve", daemon=True)
    worker.start()
    worker.join(max(timeout_s, 0.0))
    if "ok" in box:
        result = box["ok"]
        assert isinstance(result, list)
        return result
    if "error" in box:
        raise InvalidUrl("dns_failure", f"The host {host!r} cannot be resolved: {box['error']}.")
    raise InvalidUrl("dns_failure", f"Resolving {host!r} took longer than {timeout_s:g} s.")


def check_target(
    parsed: ParsedUrl,
    policy: AddressPolicy,
    *,
    resolver: Resolver | None = None,
    timeout_s: float = 10.0,
) -> CheckedTarget:
    """Resolve once and check EVERY address: one blocked answer blocks the whole host (a name
    that answers both a public and a private address is a rebinding attempt)."""
    answers = resolve_with_timeout(resolver or system_resolver, parsed.host, parsed.port, timeout_s)
    if not answers:
        raise InvalidUrl("dns_failure", f"The host {parsed.host!r} has no addresses.")
    addresses: list[IPAddress] = []
    for answer in answers:
        try:
            ip = ipaddress.ip_address(answer.split("%", 1)[0])
        except ValueError:
            raise InvalidUrl("dns_failure", f"The resolver returned {answer!r}.") from None
        try:
            policy.check(ip)
        except BlockedAddress as exc:
            raise InvalidUrl(
                "blocked_address",
                f"The host {parsed.host!r} resolves to a blocked address: {exc.reason}.",
            ) from None
        addresses.append(ip)
    return CheckedTarget(parsed=parsed, addresses=tuple(addresses))


def validate_url(
    url: str,
    policy: AddressPolicy,
    *,
    resolver: Resolver | None = None,
    timeout_s: float = 10.0,
) -> CheckedTarget:
    """Everything that can be said about a URL before connecting (the 400 at submit)."""
    return check_target(parse_url(url), policy, resolver=resolver, timeout_s=timeout_s)
