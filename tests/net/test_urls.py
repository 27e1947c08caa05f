"""Strict URL parsing and resolve-once checking (resolver injected: no network)."""

from __future__ import annotations

import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from songsmith.net.errors import InvalidUrl
from songsmith.net.guard import AddressPolicy
from songsmith.net.urls import parse_url, resolve_with_timeout, system_resolver, validate_url

PUBLIC_DNS = {"songs.example": ["93.184.216.34", "2606:2800:220:1::1"]}


def fake(host: str, port: int) -> list[str]:
    return PUBLIC_DNS[host]


def test_parse_keeps_what_the_client_needs() -> None:
    parsed = parse_url("HTTPS://Songs.Example:8443/a/b.mp3?x=1&y=2#frag")
    assert (parsed.scheme, parsed.host, parsed.port) == ("https", "songs.example", 8443)
    assert parsed.target == "/a/b.mp3?x=1&y=2"
    assert parsed.url == "https://songs.example:8443/a/b.mp3?x=1&y=2"
    assert parse_url("http://songs.example").url == "http://songs.example/"
    assert parse_url("http://[2606:2800:220:1::1]:80/").url == "http://[2606:2800:220:1::1]/"


@pytest.mark.parametrize(
    "url",
    [
        "",
        "songs.example/a.mp3",
        "ftp://songs.example/",
        "file:///etc/passwd",
        "http://user:pw@songs.example/",
        "http://songs.example\\@evil/",
        "http://songs.example /",
        "http://songs.example/\n",
        "http://[::1/",
        "http://[2606:2800:220:1::1]junk/",
        "http://[fe80::1%25eth0]/",
        "http://%73ongs.example/",
        "http://songs..example/",
        "http://songs.example:0/",
        "http://songs.example:70000/",
        "http://songs.example:abc/",
        "http:///a",
        "http://" + "a" * 5000 + ".example/",
    ],
)
def test_malformed_urls_are_invalid(url: str) -> None:
    with pytest.raises(InvalidUrl) as caught:
        parse_url(url)
    assert caught.value.code == "invalid_url"


def test_every_answer_is_checked() -> None:
    target = validate_url("http://songs.example/x", AddressPolicy([]), resolver=fake)
    assert [str(a) for a in target.addresses] == PUBLIC_DNS["songs.example"]
    assert target.connect_ip == "93.184.216.34"

    def poisoned(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "10.0.0.7"]

    with pytest.raises(InvalidUrl) as caught:
        validate_url("http://songs.example/x", AddressPolicy([]), resolver=poisoned)
    assert caught.value.code == "blocked_address"
    assert "10.0.0.7" in caught.value.message


def test_mapped_answer_connects_to_its_ipv4() -> None:
    def mapped(host: str, port: int) -> list[str]:
        return ["::ffff:93.184.216.34"]

    target = validate_url("http://songs.example/", AddressPolicy([]), resolver=mapped)
    assert target.connect_ip == "93.184.216.34"


@pytest.mark.parametrize("host", ["127.1", "2130706433", "0x7f.1", "017700000001", "0177.0.0.1"])
def test_numeric_spellings_are_what_the_os_makes_of_them(host: str) -> None:
    assert system_resolver(host, 80) == ["127.0.0.1"]
    with pytest.raises(InvalidUrl, match="loopback"):
        validate_url(f"http://{host}/", AddressPolicy([]))


def test_resolver_failures_and_hangs_are_dns_failures() -> None:
    def broken(host: str, port: int) -> list[str]:
        raise OSError("no such host")

    def empty(host: str, port: int) -> list[str]:
        return []

    for resolver in (broken, empty):
        with pytest.raises(InvalidUrl) as caught:
            validate_url("http://songs.example/", AddressPolicy([]), resolver=resolver)
        assert caught.value.code == "dns_failure"

    release = threading.Event()

    def hung(host: str, port: int) -> list[str]:
        release.wait(5)
        return ["93.184.216.34"]

    with pytest.raises(InvalidUrl, match="longer than"):
        resolve_with_timeout(hung, "songs.example", 80, 0.05)
    release.set()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200) | st.from_regex(r"https?://[\[\]0-9a-fA-F.:%@\\/a-z]{0,40}"))
def test_parse_url_only_ever_raises_invalid_url(text: str) -> None:
    try:
        parsed = parse_url(text)
    except InvalidUrl:
        return
    assert parsed.scheme in ("http", "https") and parsed.host and 0 < parsed.port < 65536
    assert parse_url(parsed.url) == parsed  # the rebuilt URL means the same thing
