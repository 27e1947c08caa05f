"""Outbound fetch errors: a bad or blocked URL (a 400 at submit) vs a failure while fetching."""

from __future__ import annotations


class FetchError(Exception):
    """A fetch failed. `code` is a short machine word, `message` a sentence for people.

    Codes: `invalid_url`, `blocked_address`, `dns_failure` (raised as `InvalidUrl`, found before
    any connection), and `connect_failed`, `timeout`, `too_large`, `too_many_redirects`,
    `protocol_error` during the fetch.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class InvalidUrl(FetchError):
    """The URL is malformed, not http(s), or its host resolves to an address the policy blocks."""
