"""API keys: creation (shown once), hashing, constant-time authentication (S1).

A key is "sk-" + 32 random bytes (urlsafe base64). Only its SHA-256 is stored; the plaintext is
returned once to whoever created it. Each key carries a webhook secret that signs its callbacks.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from songsmith.domain.models import ApiKey
from songsmith.store.typing import Store

KEY_PREFIX = "sk-"
ENV_KEY_NAME = "SONGSMITH_API_KEY"


@dataclass(frozen=True)
class CreatedKey:
    """What `create_key` hands back: the only moment the plaintext secret exists."""

    key: ApiKey
    secret: str  # "sk-..."; never stored


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def looks_like_key(secret: str) -> bool:
    """Cheap shape check so malformed tokens never reach the database."""
    return secret.startswith(KEY_PREFIX) and 8 <= len(secret) <= 256 and secret.isascii()


def new_key_secret() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def create_key(store: Store, name: str = "default") -> CreatedKey:
    secret = new_key_secret()
    key = ApiKey(
        id="key_" + secrets.token_hex(8),
        name=name,
        key_hash=hash_key(secret),
        webhook_secret="whsec_" + secrets.token_urlsafe(32),
        created_at=datetime.now(UTC),
    )
    store.create_key(key)
    return CreatedKey(key=key, secret=secret)


def ensure_env_key(store: Store, secret: str) -> ApiKey | None:
    """Register `SONGSMITH_API_KEY` (by hash) so it is accepted like any other key.

    Returns the key record, or None when that key was revoked (a revoked key stays revoked).
    """
    if not looks_like_key(secret):
        raise ValueError(f"{ENV_KEY_NAME} must start with {KEY_PREFIX!r} (8-256 ASCII characters).")
    digest = hash_key(secret)
    for key in store.list_keys():
        if hmac.compare_digest(key.key_hash, digest):
            return None if key.revoked else key
    key = ApiKey(
        id="key_env_" + digest[:12],
        name="env:" + ENV_KEY_NAME,
        key_hash=digest,
        webhook_secret="whsec_" + secrets.token_urlsafe(32),
        created_at=datetime.now(UTC),
    )
    store.create_key(key)
    return key


class KeyAuthenticator:
    """Resolves a bearer secret to its key; a short cache keeps polling cheap.

    The cache holds hashes only and expires after `ttl_s`, so a key revoked from another process
    (the CLI) stops working within that time; `forget` drops it at once in this process.
    """

    def __init__(self, store: Store, ttl_s: float = 2.0) -> None:
        self._store = store
        self._ttl_s = ttl_s
        self._cache: dict[str, tuple[float, ApiKey]] = {}
        self._lock = threading.Lock()

    def authenticate(self, secret: str) -> ApiKey | None:
        if not looks_like_key(secret):
            return None
        digest = hash_key(secret)
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(digest)
        if hit is not None and hit[0] > now:
            key = hit[1]
        else:
            found = self._store.find_key_by_hash(digest)
            if found is None or found.revoked:
                with self._lock:
                    self._cache.pop(digest, None)
                return None
            key = found
            with self._lock:
                if len(self._cache) > 10_000:
                    self._cache.clear()
                self._cache[digest] = (now + self._ttl_s, key)
        # The lookup is by digest; compare again in constant time so a store that matches
        # loosely (prefix, collation) can never authenticate the wrong secret.
        if not hmac.compare_digest(key.key_hash, digest):
            return None
        return key

    def forget(self, key_id: str) -> None:
        with self._lock:
            for digest, (_, key) in list(self._cache.items()):
                if key.id == key_id:
                    del self._cache[digest]


def revoke_key(store: Store, key_id: str) -> bool:
    return store.revoke_key(key_id)


__all__ = [
    "KEY_PREFIX",
    "CreatedKey",
    "KeyAuthenticator",
    "create_key",
    "ensure_env_key",
    "hash_key",
    "looks_like_key",
    "revoke_key",
]
