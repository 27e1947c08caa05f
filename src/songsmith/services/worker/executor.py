"""The job process: holds the engines (warm across jobs) and runs one job at a time.

A worker starts it in a session of its own (`start_new_session`), so a job that hangs, ignores
SIGTERM or spawns children is ended by killing the whole process group; the worker itself stays.
Run as `python -m songsmith.services.worker.executor --in FD --out FD --parent PID`.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
from typing import TYPE_CHECKING

from songsmith.services.worker.lifeline import die_with_parent
from songsmith.services.worker.protocol import LineReader, lease_from_dict, send

if TYPE_CHECKING:
    from songsmith.services.pipeline import PipelineContext

log = logging.getLogger("songsmith.worker.executor")


def build_context(settings_json: str) -> PipelineContext:
    from songsmith.blobs.factory import make_blobs
    from songsmith.config import Settings
    from songsmith.engines.registry import EngineRegistry
    from songsmith.services import pipeline
    from songsmith.store.sql import SqlStore

    settings = Settings.model_validate_json(settings_json)
    return pipeline.PipelineContext(
        settings=settings,
        store=SqlStore(settings.resolved_database_url, migrate=False),
        blobs=make_blobs(settings),
        engines=EngineRegistry(settings),
    )


# Modules every generate job needs: imported before "ready" so a claimed job's time (and its
# lease) is not spent importing codecs on the first job after every start.
_WARM_MODULES = ("songsmith.media.codecs", "songsmith.media.cover", "songsmith.media.master")


def _warm_imports() -> None:
    import importlib

    for name in _WARM_MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # a job that needs it will report the error itself
            log.exception("could not import %s ahead of the first job", name)
    try:
        warm_media()
    except Exception:
        log.exception("could not warm up the media path ahead of the first job")


def warm_media() -> None:
    """Master and encode one second of sound: the lazy imports of the master's filters."""
    import numpy as np

    from songsmith.media.codecs import encode_wav
    from songsmith.media.master import master

    rate = 44100
    tone = np.sin(np.arange(rate, dtype=np.float32) * np.float32(2 * np.pi * 440 / rate))
    audio = np.repeat(0.3 * tone[:, None], 2, axis=1)
    encode_wav(master(audio, {"tone": audio.copy()}, rate).mix, rate)


def _warm_engines(ctx: PipelineContext, names: list[str]) -> None:
    """Build each engine of this worker's queues and let it load what it needs (a missing
    engine fails its jobs, not the process); then reserve the largest working set they declare."""
    working_set_mb = 0
    for name in names:
        try:
            engine = ctx.engines.get(name)
            warm_up = getattr(engine, "warm_up", None)
            if callable(warm_up):
                warm_up()
            working_set_mb = max(working_set_mb, int(getattr(engine, "working_set_mb", 0)))
        except Exception:
            log.exception("could not preload engine %s", name)
    reserve_heap(working_set_mb)


def reserve_heap(megabytes: int) -> None:
    """Fault in `megabytes` of heap once, now, so the first job does not pay the page faults
    (about 2 s of system time for a 3-minute song). Only where the job process keeps freed
    memory (job_process.HEAP_ENV); elsewhere glibc would hand it straight back."""
    from songsmith.services.worker.job_process import HEAP_ENV

    if megabytes <= 0 or any(os.environ.get(k) != v for k, v in HEAP_ENV.items()):
        return
    import numpy as np

    block = np.empty(megabytes << 20, np.uint8)
    block[::4096] = 0  # one write per page
    del block


def serve(in_fd: int, out_fd: int) -> None:
    from songsmith.domain.errors import GenerationFailed
    from songsmith.services.pipeline import execute

    reader = LineReader(in_fd)
    hello = reader.read_blocking()
    if hello is None:
        return
    ctx = build_context(hello["settings"])
    _warm_engines(ctx, list(hello.get("preload", [])))
    _warm_imports()
    send(out_fd, {"ready": True, "pid": os.getpid()})
    while (message := reader.read_blocking()) is not None:
        lease = lease_from_dict(message["lease"])
        try:
            execute(ctx, lease)
        except GenerationFailed as exc:
            send(
                out_fd,
                {"ok": False, "retry": False, "error_type": exc.error_type, "message": exc.message},
            )
        except Exception as exc:
            log.error(
                "job %s attempt %s failed:\n%s", lease.job_id, lease.attempt, traceback.format_exc()
            )
            send(
                out_fd,
                {
                    "ok": False,
                    "retry": True,
                    "error_type": "internal",
                    "message": f"{type(exc).__name__}: {exc}",
                },
            )
        else:
            send(out_fd, {"ok": True})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="songsmith-job-process")
    parser.add_argument("--in", dest="in_fd", type=int, required=True)
    parser.add_argument("--out", dest="out_fd", type=int, required=True)
    parser.add_argument("--parent", type=int, required=True)
    args = parser.parse_args(argv)
    die_with_parent(args.parent)
    logging.basicConfig(
        level=os.environ.get("SONGSMITH_LOG_LEVEL", "INFO").upper(), stream=sys.stderr
    )
    serve(args.in_fd, args.out_fd)


if __name__ == "__main__":
    main()
