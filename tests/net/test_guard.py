"""AddressPolicy: explicit tables, embedded IPv4 unwrapped, allow-list exemptions."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from songsmith.net.guard import AddressPolicy, BlockedAddress, embedded_v4, parse_cidrs

STRICT = AddressPolicy([])

BLOCKED = [
    # (address, a word the reason must contain)
    ("0.0.0.0", "this network"),
    ("0.1.2.3", "this network"),
    ("10.0.0.1", "RFC 1918"),
    ("100.64.0.1", "CGNAT"),
    ("100.127.255.255", "CGNAT"),
    ("100.100.100.200", "metadata"),
    ("127.0.0.1", "loopback"),
    ("127.255.255.254", "loopback"),
    ("169.254.169.254", "metadata"),
    ("169.254.1.1", "link-local"),
    ("172.16.0.1", "RFC 1918"),
    ("172.31.255.255", "RFC 1918"),
    ("192.0.0.8", "IETF"),
    ("192.0.0.170", "IETF"),
    ("192.0.2.10", "documentation"),
    ("192.88.99.1", "6to4 relay"),
    ("192.168.255.1", "RFC 1918"),
    ("198.18.0.1", "benchmark"),
    ("198.19.255.255", "benchmark"),
    ("198.51.100.1", "documentation"),
    ("203.0.113.1", "documentation"),
    ("224.0.0.1", "multicast"),
    ("239.255.255.250", "multicast"),
    ("240.0.0.1", "reserved"),
    ("255.255.255.255", "broadcast"),
    ("::", "unspecified"),
    ("::1", "loopback"),
    ("::127.0.0.1", "IPv4-compatible"),
    ("::ffff:127.0.0.1", "loopback"),
    ("::ffff:10.0.0.1", "RFC 1918"),
    ("::ffff:169.254.169.254", "metadata"),
    ("64:ff9b::7f00:1", "NAT64"),
    ("64:ff9b::a9fe:a9fe", "NAT64"),
    ("64:ff9b:1::1.2.3.4", "local-use NAT64"),
    ("64:ff9b:1::7f00:1", "NAT64"),
    ("2002:7f00:1::", "6to4"),
    ("2002:a00:1::1", "6to4"),
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", "Teredo client"),  # client 127.0.0.1
    ("2001:0:a00:1::1", "Teredo server"),  # server 10.0.0.1
    ("2001:db8::1", "documentation"),
    ("2001:2::1", "benchmark"),
    ("3fff::1", "documentation"),
    ("100::1", "discard"),
    ("fc00::1", "unique local"),
    ("fd00:ec2::254", "unique local"),
    ("fe80::1", "link-local"),
    ("fec0::1", "site-local"),
    ("ff02::1", "multicast"),
    ("4000::1", "global unicast"),
    ("5f00::1", "SRv6"),
]

PUBLIC = [
    "1.1.1.1",
    "8.8.8.8",
    "93.184.216.34",
    "100.63.255.255",  # just below CGNAT
    "100.128.0.0",  # just above CGNAT
    "172.15.255.255",
    "172.32.0.0",
    "192.0.1.1",
    "198.17.255.255",
    "198.20.0.0",
    "223.255.255.255",
    "2606:4700:4700::1111",
    "2a00:1450:4001:81c::200e",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",  # NAT64 of 8.8.8.8
    "2002:808:808::1",  # 6to4 of 8.8.8.8
    "2001:0:808:808:0:0:f7f7:f7f7",  # Teredo, server 8.8.8.8, client 8.8.8.8
]


@pytest.mark.parametrize(("address", "why"), BLOCKED)
def test_blocked_addresses_name_their_range(address: str, why: str) -> None:
    with pytest.raises(BlockedAddress) as caught:
        STRICT.check(address)
    assert why.lower() in caught.value.reason.lower()


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address: str) -> None:
    STRICT.check(address)
    STRICT.check(ipaddress.ip_address(address))


def test_allow_list_exempts_exactly_its_ranges() -> None:
    policy = AddressPolicy(parse_cidrs(" 127.0.0.1/32, ,10.1.0.0/16 "))
    policy.check("127.0.0.1")
    policy.check("::ffff:127.0.0.1")  # the kernel connects to 127.0.0.1 itself
    policy.check("10.1.200.3")
    for other in ("127.0.0.2", "10.2.0.1", "::1", "169.254.169.254", "64:ff9b::7f00:2"):
        with pytest.raises(BlockedAddress):
            policy.check(other)


def test_from_setting_and_bad_cidr() -> None:
    assert AddressPolicy.from_setting("").allow_cidrs == []
    AddressPolicy.from_setting("127.0.0.0/8").check("127.0.0.9")
    with pytest.raises(ValueError, match="invalid CIDR"):
        AddressPolicy(["not-a-cidr"])


def test_non_canonical_spellings_are_not_addresses() -> None:
    # Spellings like 127.1 are decided by the OS resolver (see urls.py), never guessed here.
    for text in ("127.1", "2130706433", "0x7f.0.0.1", "localhost"):
        with pytest.raises(BlockedAddress, match="not an IP address"):
            STRICT.check(text)


def test_embedded_v4_positions() -> None:
    found = dict(
        (how, str(ip)) for ip, how in embedded_v4(ipaddress.IPv6Address("2002:c000:204::"))
    )
    assert found == {"6to4": "192.0.2.4"}
    teredo = ipaddress.IPv6Address("2001:0:4136:e378:8000:63bf:3fff:fdd2")
    assert {how: str(ip) for ip, how in embedded_v4(teredo)} == {
        "Teredo server": "65.54.227.120",
        "Teredo client": "192.0.2.45",
    }


def _verdict(policy: AddressPolicy, address: str) -> bool:
    try:
        policy.check(address)
    except BlockedAddress:
        return False
    return True


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_ipv4_inside_ipv6_is_judged_like_the_ipv4_itself(value: int) -> None:
    v4 = ipaddress.IPv4Address(value)
    expected = _verdict(STRICT, str(v4))
    mapped = ipaddress.IPv6Address((0xFFFF << 32) | value)
    nat64 = ipaddress.IPv6Address(int(ipaddress.IPv6Address("64:ff9b::")) | value)
    six_to_four = ipaddress.IPv6Address((0x2002 << 112) | (value << 80) | 1)
    assert _verdict(STRICT, str(mapped)) == expected
    assert _verdict(STRICT, str(nat64)) == expected
    assert _verdict(STRICT, str(six_to_four)) == expected


@settings(max_examples=300, deadline=None)
@given(st.ip_addresses())
def test_check_only_ever_raises_blocked_address(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> None:
    _verdict(STRICT, str(address))
