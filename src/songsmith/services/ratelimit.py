"""Per-key request rate limit: a token bucket refilled continuously (S5).

In-process: the API runs as one process in embedded mode; each API process of a distributed
deployment limits on its own, which bounds a key to N times the rate (documented in the README).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from songsmith.domain.errors import RateLimited


class RateLimiter:
    def __init__(
        self,
        per_minute: int,
        *,
        burst: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rate = per_minute / 60.0  # tokens per second
        self._capacity = float(burst if burst is not None else max(1, per_minute))
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last refill)
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self._rate > 0

    def check(self, key_id: str) -> None:
        """Take one token for `key_id`, or raise `RateLimited` with the seconds until one frees."""
        if not self.enabled:
            return
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(key_id, (self._capacity, now))
            tokens = min(self._capacity, tokens + (now - last) * self._rate)
            if tokens < 1.0:
                self._buckets[key_id] = (tokens, now)
                wait = math.ceil((1.0 - tokens) / self._rate)
                raise RateLimited(
                    "Too many requests for this API key; slow down.", retry_after_s=max(1, wait)
                )
            self._buckets[key_id] = (tokens - 1.0, now)
