"""Prometheus text exposition (version 0.0.4) for /metrics, without a client library.

HTTP latency is observed by `MetricsMiddleware`; task and queue gauges are read from the ports at
scrape time, so several API processes never disagree about them.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Callable, Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

LATENCY_BUCKETS_S: tuple[float, ...] = (
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)  # fmt: skip


class Histogram:
    def __init__(self, buckets: tuple[float, ...]) -> None:
        self.buckets = buckets
        self.counts = [0] * (len(buckets) + 1)  # last: +Inf only
        self.total = 0.0
        self.n = 0

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self.buckets, value)] += 1
        self.total += value
        self.n += 1


def _labels(pairs: Mapping[str, str]) -> str:
    inner = ",".join(
        f'{k}="{v.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"'
        for k, v in pairs.items()
    )
    return "{" + inner + "}"


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latency: dict[tuple[str, str, str], Histogram] = {}

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, f"{status // 100}xx")
        with self._lock:
            hist = self._latency.get(key)
            if hist is None:
                hist = self._latency[key] = Histogram(LATENCY_BUCKETS_S)
            hist.observe(seconds)

    def render(
        self,
        task_counts: Mapping[str, int],
        queue_depth: Mapping[str, int],
        extra: Callable[[], list[str]] | None = None,
    ) -> str:
        lines = [
            "# HELP songsmith_tasks Tasks in the store by status.",
            "# TYPE songsmith_tasks gauge",
        ]
        for status, count in sorted(task_counts.items()):
            lines.append(f"songsmith_tasks{_labels({'status': status})} {count}")
        lines += [
            "# HELP songsmith_queue_depth Jobs waiting per queue.",
            "# TYPE songsmith_queue_depth gauge",
        ]
        for queue, depth in sorted(queue_depth.items()):
            lines.append(f"songsmith_queue_depth{_labels({'queue': queue})} {depth}")
        lines += [
            "# HELP songsmith_http_request_duration_seconds HTTP request latency.",
            "# TYPE songsmith_http_request_duration_seconds histogram",
        ]
        with self._lock:
            items = sorted(self._latency.items())
            snapshot = [(k, list(h.counts), h.total, h.n) for k, h in items]
        for (method, route, status), counts, total, n in snapshot:
            base = {"method": method, "route": route, "status": status}
            running = 0
            for bound, count in zip(LATENCY_BUCKETS_S, counts, strict=False):
                running += count
                labels = _labels({**base, "le": repr(bound)})
                lines.append(f"songsmith_http_request_duration_seconds_bucket{labels} {running}")
            labels = _labels({**base, "le": "+Inf"})
            lines.append(f"songsmith_http_request_duration_seconds_bucket{labels} {n}")
            lines.append(f"songsmith_http_request_duration_seconds_sum{_labels(base)} {total}")
            lines.append(f"songsmith_http_request_duration_seconds_count{_labels(base)} {n}")
        if extra is not None:
            lines += extra()
        return "\n".join(lines) + "\n"


class MetricsMiddleware:
    """Times every HTTP request, labelled by route template (never by raw path: ids)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            self.metrics.observe_request(
                scope["method"], template, status, time.perf_counter() - started
            )
