"""Everything songsmith sends to or fetches from the outside world, behind one SSRF guard.

guard.py   AddressPolicy: which IP addresses may be connected to (explicit CIDR tables)
urls.py    strict URL parsing, resolve once, check every address: validate_url
pinned.py  httpx transport pinned to the checked address, under one overall deadline
fetch.py   safe_fetch: redirects re-checked hop by hop, size cap while streaming
"""

from __future__ import annotations

from songsmith.net.errors import FetchError, InvalidUrl
from songsmith.net.fetch import FetchResult, safe_fetch
from songsmith.net.guard import AddressPolicy, BlockedAddress
from songsmith.net.urls import validate_url

__all__ = [
    "AddressPolicy",
    "BlockedAddress",
    "FetchError",
    "FetchResult",
    "InvalidUrl",
    "safe_fetch",
    "validate_url",
]
