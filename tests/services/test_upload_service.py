"""validate_upload_url: the 400 at submit (fetch + decode are covered in tests/security)."""

from __future__ import annotations

import pytest

from songsmith.config import Settings
from songsmith.domain.errors import InvalidRequest
from songsmith.net.urls import system_resolver
from songsmith.services.upload import validate_upload_url

FAKE_DNS = {"songs.example": ["93.184.216.34"], "lan.example": ["192.168.1.20"]}


def public(host: str, port: int) -> list[str]:
    return FAKE_DNS[host] if host in FAKE_DNS else system_resolver(host, port)


def test_accepted_url_is_returned_as_it_will_be_fetched() -> None:
    url = validate_upload_url(
        "HTTPS://Songs.Example/a%20b.mp3?x=1#t=3", Settings(), resolver=public
    )
    assert url == "https://songs.example/a%20b.mp3?x=1"


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://lan.example/a.mp3", "blocked address"),
        ("http://127.1/a.mp3", "loopback"),
        ("ftp://songs.example/a.mp3", "Only http and https"),
        ("http://user@songs.example/a.mp3", "user information"),
        ("not a url", "whitespace"),
    ],
)
def test_refused_urls_are_invalid_requests_naming_the_field(url: str, words: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        validate_upload_url(url, Settings(), resolver=public)
    assert caught.value.code == "invalid_request"
    assert caught.value.message.startswith("url: ")
    assert words in caught.value.message


def test_allow_cidrs_setting_exempts_addresses() -> None:
    allowed = Settings(fetch_allow_cidrs="192.168.1.0/24")
    assert validate_upload_url("http://lan.example/a.mp3", allowed, resolver=public)
