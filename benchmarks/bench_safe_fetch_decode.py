"""Cost of the outbound-safety layer, each against its unguarded baseline in the same run.

1. Fetch: `safe_fetch` (resolve + check + pinned transport + deadline + size cap) vs a bare
   `httpx.Client.get` of the same 1 KiB and 8 MiB files from a local server. Goals: the guard
   adds < 5 ms per small request; large transfers take at most 1.25x bare httpx.
2. Decode: `probe_and_decode` (sniff + forced format + limits) vs a bare PyAV decode of the
   same 60 s mp3, and `probe_and_decode_isolated` (child process). Goal: in-process within
   10 % of bare PyAV; isolation costs one interpreter start (< 1.5 s).

    .venv/bin/python benchmarks/bench_safe_fetch_decode.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import http.server
import io
import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np


def _serve(files: dict[str, bytes]) -> tuple[http.server.ThreadingHTTPServer, int]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            # One write: split header/body writes on a kept-alive connection meet Nagle and
            # delayed ACKs (a 40 ms stall that would flatter the guarded side).
            body = files[self.path]
            head = f"HTTP/1.1 200 OK\r\ncontent-length: {len(body)}\r\n\r\n".encode()
            self.wfile.write(head + body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def _paired(
    candidate: Callable[[], Any], baseline: Callable[[], Any], repeat: int
) -> tuple[list[float], list[float]]:
    """Alternate the two so load from other processes on a shared box hits both alike."""
    candidate(), baseline()  # warm-up
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for fn, sink in ((candidate, times[0]), (baseline, times[1])):
            started = time.perf_counter()
            fn()
            sink.append(time.perf_counter() - started)
    return times


def _report(name: str, times: list[float], baseline: list[float]) -> None:
    med, base = statistics.median(times), statistics.median(baseline)
    print(  # noqa: T201
        f"{name:34s} median {med * 1000:8.2f} ms   baseline {base * 1000:8.2f} ms   "
        f"ratio {med / base:5.2f}   extra {(med - base) * 1000:+7.2f} ms"
    )


def _mp3(seconds: float) -> bytes:
    import av

    sr = 44100
    t = np.arange(int(seconds * sr)) / sr
    tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp3") as out:
        stream: Any = out.add_stream("libmp3lame", rate=sr, layout="stereo")
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(np.stack([tone, tone])), format="fltp", layout="stereo"
        )
        frame.sample_rate = sr
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    return buf.getvalue()


def _bare_pyav(data: bytes) -> np.ndarray[Any, Any]:
    """What a naive decoder does: probe the format, decode, stack to (samples, channels)."""
    import av

    container: Any = av.open(io.BytesIO(data))
    with container:
        planes = [frame.to_ndarray() for frame in container.decode(audio=0)]
    return np.concatenate(planes, axis=1).T.copy()


def main() -> None:
    import httpx

    from songsmith.media.safe_decode import probe_and_decode, probe_and_decode_isolated
    from songsmith.net import AddressPolicy, safe_fetch

    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    files = {"/small": b"x" * 1024, "/large": np.random.default_rng(0).bytes(8 * 1024 * 1024)}
    server, port = _serve(files)
    policy = AddressPolicy(["127.0.0.1/32"])
    with httpx.Client(trust_env=False) as bare:
        for path in ("/small", "/large"):
            url = f"http://127.0.0.1:{port}{path}"
            guarded, base = _paired(
                lambda u=url: safe_fetch(u, policy=policy, max_bytes=64 * 1024 * 1024),  # type: ignore[misc]
                lambda u=url: bare.get(u).content,  # type: ignore[misc]
                args.repeat,
            )
            _report(f"fetch {path} (vs bare httpx)", guarded, base)
    server.shutdown()

    mp3 = _mp3(60.0)
    safe, base = _paired(lambda: probe_and_decode(mp3), lambda: _bare_pyav(mp3), args.repeat)
    _report("decode 60 s mp3 (vs bare PyAV)", safe, base)
    isolated, base = _paired(
        lambda: probe_and_decode_isolated(mp3), lambda: _bare_pyav(mp3), max(3, args.repeat // 4)
    )
    _report("decode isolated (vs bare PyAV)", isolated, base)


if __name__ == "__main__":
    main()
