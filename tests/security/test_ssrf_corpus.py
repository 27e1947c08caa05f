"""S4: the SSRF corpus against upload URLs and notify_hook, with real canary sockets.

Phase 1 (strict policy, nothing allowed): every URL is refused before any socket connects.
Phase 2 (127.0.0.1 treated as public through allow_cidrs, like the tests of the other areas):
redirects, DNS answers that change, and a 1 byte/s server; canaries on 127.0.0.2/127.0.0.3.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from security_canaries import CanaryListener
from security_servers import LocalHttpServer

from songsmith.config import Settings
from songsmith.domain.errors import InvalidRequest
from songsmith.net import AddressPolicy, FetchError, InvalidUrl, safe_fetch, validate_url
from songsmith.net.urls import system_resolver
from songsmith.services.callbacks import deliver
from songsmith.services.upload import validate_upload_url

# Names the tests resolve themselves (no real DNS): metadata aliases and rebinding tricks.
FAKE_DNS = {
    "metadata.google.internal": ["169.254.169.254"],
    "metadata.azure.internal": ["169.254.169.254"],
    "alibaba.metadata.test": ["100.100.100.200"],
    "internal.example": ["10.1.2.3"],
    "mixed.example": ["8.8.8.8", "127.0.0.1"],  # one bad answer poisons the name
    "ula.example": ["fd00::1"],
    "mapped.example": ["::ffff:169.254.169.254"],
}


def fake_then_system(host: str, port: int) -> list[str]:
    return FAKE_DNS[host] if host in FAKE_DNS else system_resolver(host, port)


def strict_corpus(p1: int, p2: int) -> list[str]:
    """URLs that must be refused; p1/p2: canary ports on 127.0.0.1 / 127.0.0.2."""
    loopback = [
        f"http://127.0.0.1:{p1}/",
        f"https://127.0.0.1:{p1}/",
        f"HTTP://127.0.0.1:{p1}/",
        f"http://127.1:{p1}/",
        f"http://127.0.1:{p1}/",
        f"http://2130706433:{p1}/",
        f"http://0x7f000001:{p1}/",
        f"http://0x7f.1:{p1}/",
        f"http://0x7f.0x0.0x0.0x1:{p1}/",
        f"http://017700000001:{p1}/",
        f"http://0177.0.0.1:{p1}/",
        f"http://0177.1:{p1}/",
        f"http://localhost:{p1}/",
        f"http://LocalHost:{p1}/",
        f"http://\uff11\uff12\uff17.\uff10.\uff10.\uff11:{p1}/",  # full-width digits
        f"http://[::1]:{p1}/",
        f"http://[::ffff:127.0.0.1]:{p1}/",
        f"http://[::ffff:7f00:1]:{p1}/",
        f"http://[0:0:0:0:0:ffff:127.0.0.1]:{p1}/",
        f"http://[64:ff9b::7f00:1]:{p1}/",
        f"http://[64:ff9b::127.0.0.1]:{p1}/",
        f"http://[64:ff9b:1::7f00:1]:{p1}/",
        f"http://[2002:7f00:1::]:{p1}/",
        f"http://[2001:0:4136:e378:8000:63bf:80ff:fffe]:{p1}/",  # Teredo, client 127.0.0.1
        f"http://[::127.0.0.1]:{p1}/",
        f"http://127.0.0.2:{p2}/",
        f"http://127.2:{p2}/",
        f"http://2130706434:{p2}/",
        f"http://[::ffff:127.0.0.2]:{p2}/",
        f"http://0:{p1}/",
        f"http://0.0.0.0:{p1}/",
        f"http://[::]:{p1}/",
    ]
    private_and_metadata = [
        "http://10.0.0.1/",
        "http://10.255.255.255:8080/",
        "http://172.16.0.1/",
        "http://172.31.255.254/",
        "http://192.168.0.1/",
        "http://192.168.1.1:8080/admin",
        "http://100.64.0.1/",
        "http://100.127.255.254/",
        "http://169.254.169.254/latest/meta-data/",
        "http://169.254.0.1/",
        "http://100.100.100.200/latest/meta-data/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://[::ffff:169.254.169.254]/",
        "http://[fe80::1]/",
        "http://[fc00::1]/",
        "http://[fd12:3456::1]/",
        "http://224.0.0.1/",
        "http://[ff02::1]/",
        "http://255.255.255.255/",
        "http://240.0.0.1/",
        "http://198.18.0.1/",
        "http://192.0.2.1/",
        "http://203.0.113.5/",
        "http://192.0.0.170/",
        "http://[2001:db8::1]/",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://metadata.azure.internal/metadata/instance",
        "http://alibaba.metadata.test/latest/meta-data/",
        "http://internal.example/",
        "http://mixed.example/",
        "http://ula.example/",
        "http://mapped.example/",
    ]
    not_http_or_malformed = [
        "file:///etc/passwd",
        "file://localhost/etc/passwd",
        "ftp://127.0.0.1/",
        f"gopher://127.0.0.1:{p1}/_GET%20/",
        f"dict://127.0.0.1:{p1}/info",
        "ldap://127.0.0.1/",
        "data:text/plain,hello",
        "javascript:alert(1)",
        "jar:http://127.0.0.1!/",
        f"//127.0.0.1:{p1}/",
        f"http:/127.0.0.1:{p1}/",
        f"http:///127.0.0.1:{p1}/",
        f"http://evil.example@127.0.0.1:{p1}/",
        f"http://127.0.0.1:{p1}@evil.example/",
        "http://127.0.0.1\\@evil.example/",
        f"http://127.0.0.1:{p1}#@evil.example/",
        f"http://127.0.0.1 :{p1}/",
        f"http://127.0.0.1:{p1}/\r\nHost: evil.example",
        f"http://[::1%25lo]:{p1}/",
        f"http://%31%32%37.0.0.1:{p1}/",
        "",
        "http://",
        "http://127.0.0.1:99999/",
        f" http://127.0.0.1:{p1}/",
    ]
    return loopback + private_and_metadata + not_http_or_malformed


def test_canaries_would_notice_a_connection(canaries: dict[str, CanaryListener]) -> None:
    for listener in canaries.values():
        with socket.create_connection((listener.host, listener.port), timeout=2):
            pass
    deadline = time.monotonic() + 2
    while any(c.accepts == 0 for c in canaries.values()) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert all(c.accepts == 1 for c in canaries.values())


def test_strict_corpus_is_refused_with_no_connection(
    canaries: dict[str, CanaryListener], connect_log: list[Any]
) -> None:
    p1, p2 = canaries["127.0.0.1"].port, canaries["127.0.0.2"].port
    corpus = strict_corpus(p1, p2)
    assert len(corpus) >= 60
    strict = AddressPolicy([])
    settings = Settings(fetch_allow_cidrs="", fetch_timeout_s=5.0)
    slipped: list[str] = []
    for url in corpus:
        try:
            safe_fetch(url, policy=strict, max_bytes=1024, timeout_s=5, resolver=fake_then_system)
        except InvalidUrl as exc:
            assert exc.code in {"invalid_url", "blocked_address", "dns_failure"}
        else:
            slipped.append(url)
        with pytest.raises(InvalidRequest):
            validate_upload_url(url, settings, resolver=fake_then_system)
        assert not deliver(url, {"x": 1}, "secret", settings, tries=1, resolver=fake_then_system)
    assert slipped == []
    assert connect_log == []
    assert [c.accepts for c in canaries.values()] == [0, 0, 0]


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://127.1/", "blocked_address"),
        ("http://[64:ff9b::7f00:1]/", "blocked_address"),
        ("file:///etc/passwd", "invalid_url"),
        ("http://a@b.example/", "invalid_url"),
    ],
)
def test_refusals_say_why(url: str, code: str) -> None:
    with pytest.raises(InvalidUrl) as caught:
        validate_url(url, AddressPolicy([]))
    assert caught.value.code == code


# --- phase 2: a "public" local server (127.0.0.1 allowed) and canaries it must not reach ------

ALLOW_LOCAL = AddressPolicy(["127.0.0.1/32"])


def test_allowed_server_is_reachable_with_original_host_header(
    http_server: LocalHttpServer,
) -> None:
    calls: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        calls.append(host)
        return ["127.0.0.1"]

    url = f"http://songs.example:{http_server.port}/ok"
    result = safe_fetch(url, policy=ALLOW_LOCAL, max_bytes=1024, resolver=resolver)
    assert result.status == 200
    assert result.body == f"hello from songs.example:{http_server.port}".encode()
    assert calls == ["songs.example"]  # resolved exactly once


def redirect_targets(p2: int, p3: int) -> list[str]:
    return [
        f"http://127.0.0.2:{p2}/",
        f"http://127.2:{p2}/",
        f"http://2130706434:{p2}/",
        f"http://[::ffff:127.0.0.2]:{p2}/",
        f"http://[64:ff9b::7f00:2]:{p2}/",
        f"//127.0.0.3:{p3}/",
        f"http://canary.example:{p3}/",
        f"http://user@127.0.0.3:{p3}/",
        "file:///etc/passwd",
        f"gopher://127.0.0.2:{p2}/",
    ]


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirect_to_a_blocked_address_is_refused(
    status: int,
    http_server: LocalHttpServer,
    canaries: dict[str, CanaryListener],
) -> None:
    from urllib.parse import quote

    p2, p3 = canaries["127.0.0.2"].port, canaries["127.0.0.3"].port

    def resolver(host: str, port: int) -> list[str]:
        return ["127.0.0.3"] if host == "canary.example" else system_resolver(host, port)

    for target in redirect_targets(p2, p3):
        hop = http_server.url(f"/redirect?status={status}&to={quote(target, safe='')}")
        twice = http_server.url(f"/redirect?to={quote(hop, safe='')}")
        for url in (hop, twice):
            with pytest.raises(InvalidUrl):
                safe_fetch(
                    url, policy=ALLOW_LOCAL, max_bytes=1024, resolver=resolver,
                    method="POST" if status == 307 else "GET", body=b"{}",
                )  # fmt: skip
    assert canaries["127.0.0.2"].accepts == 0
    assert canaries["127.0.0.3"].accepts == 0


def test_redirects_within_policy_are_followed_and_bounded(http_server: LocalHttpServer) -> None:
    result = safe_fetch(
        http_server.url("/redirect?status=303&to=/ok"),
        policy=ALLOW_LOCAL, max_bytes=1024, method="POST", body=b"{}",
    )  # fmt: skip
    assert result.status == 200
    assert result.url.endswith("/ok")
    assert http_server.state.requests[-1].method == "GET"  # 303: follow-up is a GET
    with pytest.raises(FetchError) as caught:
        safe_fetch(http_server.url("/loop"), policy=ALLOW_LOCAL, max_bytes=1024, max_redirects=3)
    assert caught.value.code == "too_many_redirects"
    assert len([r for r in http_server.state.requests if r.path == "/loop"]) == 4


def changing_resolver(*answers: list[str]) -> Callable[[str, int], list[str]]:
    sequence = list(answers)

    def resolve(host: str, port: int) -> list[str]:
        return sequence.pop(0) if len(sequence) > 1 else sequence[0]

    return resolve


def test_dns_answer_that_changes_after_submit_is_checked_again(
    http_server: LocalHttpServer, canaries: dict[str, CanaryListener]
) -> None:
    p2 = canaries["127.0.0.2"].port
    resolver = changing_resolver(["127.0.0.1"], ["127.0.0.2"])
    url = f"http://rebind.example:{p2}/"
    validate_url(url, ALLOW_LOCAL, resolver=resolver)  # at submit: looks public
    with pytest.raises(InvalidUrl) as caught:  # at fetch: now the canary
        safe_fetch(url, policy=ALLOW_LOCAL, max_bytes=1024, resolver=resolver)
    assert caught.value.code == "blocked_address"
    assert canaries["127.0.0.2"].accepts == 0


def test_connection_goes_to_the_checked_address_not_a_second_lookup(
    http_server: LocalHttpServer,
) -> None:
    # A trap on 127.0.0.2 with the server's port: only the address decides where a request
    # lands. The first answer is the allowed server; any second lookup would say "trap".
    trap = socket.socket()
    try:
        trap.bind(("127.0.0.2", http_server.port))
    except OSError:
        trap.close()
        pytest.skip("the server's port is taken on 127.0.0.2")
    with trap:
        trap.listen(4)
        trap.settimeout(0.2)
        resolver = changing_resolver(["127.0.0.1"], ["127.0.0.2"])
        url = f"http://rebind.example:{http_server.port}/ok"
        result = safe_fetch(url, policy=ALLOW_LOCAL, max_bytes=1024, resolver=resolver)
        assert result.status == 200
        assert (
            http_server.state.requests[-1].headers["host"] == f"rebind.example:{http_server.port}"
        )
        with pytest.raises(TimeoutError):
            trap.accept()


@pytest.mark.parametrize("path", ["/drip-head", "/drip-body"])
def test_one_byte_per_second_server_is_aborted_at_the_deadline(
    path: str, http_server: LocalHttpServer
) -> None:
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        safe_fetch(http_server.url(path), policy=ALLOW_LOCAL, max_bytes=10_000, timeout_s=2.0)
    elapsed = time.monotonic() - started
    assert caught.value.code == "timeout"
    assert 1.5 <= elapsed < 3.5


@pytest.mark.parametrize("path", ["/big?n=5000", "/big-undeclared?chunks=20"])
def test_size_cap_while_streaming(path: str, http_server: LocalHttpServer) -> None:
    with pytest.raises(FetchError) as caught:
        safe_fetch(http_server.url(path), policy=ALLOW_LOCAL, max_bytes=4096)
    assert caught.value.code == "too_large"


def test_https_goes_to_the_checked_address_with_the_name_in_sni() -> None:
    """TLS: the socket goes to the checked IP while the ClientHello names the host (SNI), so the
    certificate is verified against the name. The ClientHello is plaintext: read it raw."""
    hello = bytearray()
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(5)
        port = listener.getsockname()[1]

        def read_hello() -> None:
            conn, _ = listener.accept()
            with conn:
                conn.settimeout(2)
                # One TLS record: 5-byte header whose last two bytes are the body length.
                while len(hello) < 5 or len(hello) < 5 + int.from_bytes(hello[3:5], "big"):
                    chunk = conn.recv(4096)
                    if not chunk:
                        return
                    hello.extend(chunk)

        reader = threading.Thread(target=read_hello)
        reader.start()
        with pytest.raises(FetchError):
            safe_fetch(
                f"https://songs.example:{port}/a.mp3", policy=ALLOW_LOCAL, max_bytes=1024,
                timeout_s=3, resolver=lambda host, p: ["127.0.0.1"],
            )  # fmt: skip
        reader.join(5)
    assert hello[:1] == b"\x16"  # a TLS handshake record
    assert b"songs.example" in hello
