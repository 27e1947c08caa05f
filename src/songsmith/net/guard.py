"""Which IP addresses songsmith may connect to when it fetches uploads or delivers callbacks.

Explicit CIDR tables instead of `ipaddress.is_private` / `is_global`: those properties are wrong
for several ranges on Python 3.11 before 3.11.10 (e.g. 192.0.0.0/24 sub-ranges, 64:ff9b:1::/48),
and they do not look inside IPv6 addresses that carry an IPv4 address (mapped, NAT64, 6to4,
Teredo), which is how `[::ffff:127.0.0.1]` style bypasses work.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class BlockedAddress(Exception):
    """The address is not a public unicast address songsmith may connect to."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _v4(rows: Iterable[tuple[str, str]]) -> tuple[tuple[ipaddress.IPv4Network, str], ...]:
    return tuple((ipaddress.IPv4Network(cidr), why) for cidr, why in rows)


def _v6(rows: Iterable[tuple[str, str]]) -> tuple[tuple[ipaddress.IPv6Network, str], ...]:
    return tuple((ipaddress.IPv6Network(cidr), why) for cidr, why in rows)


# First match gives the reason, so the specific entries come before the ranges holding them.
BLOCKED_V4 = _v4(
    [
        ("169.254.169.254/32", "cloud metadata address"),
        ("100.100.100.200/32", "cloud metadata address (Alibaba)"),
        ("255.255.255.255/32", "broadcast"),
        ("0.0.0.0/8", "'this network' (0.0.0.0/8)"),
        ("10.0.0.0/8", "private network (RFC 1918)"),
        ("100.64.0.0/10", "shared address space / CGNAT (RFC 6598)"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("172.16.0.0/12", "private network (RFC 1918)"),
        ("192.0.0.0/24", "IETF protocol assignments (RFC 6890)"),
        ("192.0.2.0/24", "documentation (TEST-NET-1)"),
        ("192.31.196.0/24", "AS112 service"),
        ("192.52.193.0/24", "AMT relay"),
        ("192.88.99.0/24", "6to4 relay anycast"),
        ("192.168.0.0/16", "private network (RFC 1918)"),
        ("192.175.48.0/24", "AS112 direct delegation"),
        ("198.18.0.0/15", "benchmarking (RFC 2544)"),
        ("198.51.100.0/24", "documentation (TEST-NET-2)"),
        ("203.0.113.0/24", "documentation (TEST-NET-3)"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved (240.0.0.0/4)"),
    ]
)

BLOCKED_V6 = _v6(
    [
        ("::/128", "unspecified address"),
        ("::1/128", "loopback"),
        ("::/96", "IPv4-compatible address (deprecated)"),
        ("100::/64", "discard-only prefix"),
        ("2001:2::/48", "benchmarking"),
        ("2001:db8::/32", "documentation"),
        ("2001::/23", "IETF protocol assignments"),
        ("3fff::/20", "documentation"),
        ("5f00::/16", "SRv6 segment identifiers"),
        ("fc00::/7", "unique local address"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "site-local (deprecated)"),
        ("ff00::/8", "multicast"),
    ]
)

# Only global unicast space is reachable over the internet; anything outside it is refused even
# if a future allocation is missing from the table above.
GLOBAL_UNICAST_V6 = ipaddress.IPv6Network("2000::/3")

IPV4_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")
NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")
NAT64_LOCAL_USE = ipaddress.IPv6Network("64:ff9b:1::/48")
SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")
TEREDO = ipaddress.IPv6Network("2001::/32")


def parse_cidrs(text: str) -> list[str]:
    """Comma-separated CIDRs (the `SONGSMITH_FETCH_ALLOW_CIDRS` format) -> list, blanks dropped."""
    return [part.strip() for part in text.split(",") if part.strip()]


def parse_ip(value: str | IPAddress) -> IPAddress:
    """A literal IP address in canonical spelling only (`127.1` is for the resolver to decide)."""
    if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return value
    text = value.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        raise BlockedAddress(f"not an IP address: {value!r}") from None


def connect_address(ip: IPAddress) -> IPAddress:
    """The address the kernel actually talks to: an IPv4-mapped IPv6 address is its IPv4 one."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def embedded_v4(ip: ipaddress.IPv6Address) -> list[tuple[ipaddress.IPv4Address, str]]:
    """IPv4 addresses an IPv6 address carries to a translator or tunnel, and how it carries them."""
    value = int(ip)
    found: list[tuple[ipaddress.IPv4Address, str]] = []
    if ip in IPV4_MAPPED:
        found.append((ipaddress.IPv4Address(value & 0xFFFFFFFF), "IPv4-mapped"))
    if ip in NAT64_WELL_KNOWN or ip in NAT64_LOCAL_USE:
        found.append((ipaddress.IPv4Address(value & 0xFFFFFFFF), "NAT64"))
    if ip in SIX_TO_FOUR:
        found.append((ipaddress.IPv4Address((value >> 80) & 0xFFFFFFFF), "6to4"))
    if ip in TEREDO:
        # Teredo: server IPv4 in bits 32-63, client IPv4 obfuscated (inverted) in the last 32 bits.
        found.append((ipaddress.IPv4Address((value >> 64) & 0xFFFFFFFF), "Teredo server"))
        found.append((ipaddress.IPv4Address(~value & 0xFFFFFFFF), "Teredo client"))
    return found


def _blocked_v4_reason(ip: ipaddress.IPv4Address) -> str | None:
    for net, why in BLOCKED_V4:
        if ip in net:
            return why
    return None


def _blocked_v6_reason(ip: ipaddress.IPv6Address) -> str | None:
    for net, why in BLOCKED_V6:
        if ip in net:
            return why
    if ip not in GLOBAL_UNICAST_V6:
        return "not IPv6 global unicast space"
    return None


@dataclass
class AddressPolicy:
    """Public unicast addresses only, except the CIDRs in `allow_cidrs` (tests, private setups)."""

    allow_cidrs: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        nets: list[IPNetwork] = []
        for cidr in self.allow_cidrs:
            try:
                nets.append(ipaddress.ip_network(cidr.strip(), strict=False))
            except ValueError:
                raise ValueError(f"invalid CIDR in fetch allow list: {cidr!r}") from None
        self._allowed: tuple[IPNetwork, ...] = tuple(nets)

    @classmethod
    def from_setting(cls, allow_cidrs: str) -> AddressPolicy:
        return cls(parse_cidrs(allow_cidrs))

    def allowed_explicitly(self, ip: IPAddress) -> bool:
        return any(ip.version == net.version and ip in net for net in self._allowed)

    def check(self, ip: str | IPAddress) -> None:
        """Raise `BlockedAddress(reason)` unless songsmith may connect to `ip`."""
        address = parse_ip(ip)
        target = connect_address(address)
        if self.allowed_explicitly(address) or self.allowed_explicitly(target):
            return
        if isinstance(target, ipaddress.IPv4Address):
            reason = _blocked_v4_reason(target)
            if reason is not None:
                shown = f"{address} ({target})" if target != address else str(address)
                raise BlockedAddress(f"{shown} ({reason})")
            return
        # Translated or tunnelled IPv4 destinations are judged by the IPv4 address inside.
        for inner, how in embedded_v4(target):
            if self.allowed_explicitly(inner):
                continue
            reason = _blocked_v4_reason(inner)
            if reason is not None:
                raise BlockedAddress(f"{target} (carries {how} {inner}: {reason})")
        if target in NAT64_LOCAL_USE:
            raise BlockedAddress(f"{target} (local-use NAT64 prefix 64:ff9b:1::/48)")
        if target in TEREDO or target in NAT64_WELL_KNOWN:
            # Teredo sits inside the blocked 2001::/23 and NAT64 outside 2000::/3; with public
            # IPv4 ends both are ordinary routes to the internet.
            return
        reason = _blocked_v6_reason(target)
        if reason is not None:
            raise BlockedAddress(f"{target} ({reason})")
