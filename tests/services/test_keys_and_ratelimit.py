"""API keys (hash only, constant-time check, cache expiry) and the per-key token bucket."""

from __future__ import annotations

from pathlib import Path

import pytest

from songsmith.domain.errors import RateLimited
from songsmith.services.keys import KeyAuthenticator, create_key, ensure_env_key, hash_key
from songsmith.services.ratelimit import RateLimiter
from songsmith.store.sql import SqlStore


@pytest.fixture
def store(tmp_path: Path) -> SqlStore:
    return SqlStore(f"sqlite:///{tmp_path / 'keys.db'}")


def test_authenticate_and_revoke(store: SqlStore) -> None:
    created = create_key(store, "a")
    auth = KeyAuthenticator(store, ttl_s=60)
    assert auth.authenticate(created.secret) == created.key
    assert auth.authenticate(created.secret + "x") is None
    assert auth.authenticate("sk-") is None and auth.authenticate("") is None
    assert store.revoke_key(created.key.id)
    assert auth.authenticate(created.secret) is not None  # cached until forgotten or expired
    auth.forget(created.key.id)
    assert auth.authenticate(created.secret) is None


def test_cache_expires(store: SqlStore) -> None:
    created = create_key(store, "a")
    auth = KeyAuthenticator(store, ttl_s=0.0)
    assert auth.authenticate(created.secret) is not None
    store.revoke_key(created.key.id)
    assert auth.authenticate(created.secret) is None


def test_env_key_revoked_stays_revoked(store: SqlStore) -> None:
    record = ensure_env_key(store, "sk-from-the-environment")
    assert record is not None and record.key_hash == hash_key("sk-from-the-environment")
    store.revoke_key(record.id)
    assert ensure_env_key(store, "sk-from-the-environment") is None
    assert len(store.list_keys()) == 1


def test_token_bucket() -> None:
    now = [0.0]
    limiter = RateLimiter(60, burst=2, clock=lambda: now[0])
    limiter.check("k")
    limiter.check("k")
    with pytest.raises(RateLimited) as excinfo:
        limiter.check("k")
    assert excinfo.value.retry_after_s == 1
    limiter.check("other")  # buckets are per key
    now[0] = 1.0
    limiter.check("k")  # one token refilled after one second at 60/min


def test_zero_rate_disables() -> None:
    limiter = RateLimiter(0)
    for _ in range(1000):
        limiter.check("k")
