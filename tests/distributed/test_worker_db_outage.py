"""A worker settling a finished job while PostgreSQL is down keeps retrying (it does not exit)
and completes the job once the database is back. A private cluster is stopped, never the
shared server."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from distributed_fleet import ThrowawayPostgres, job_rows

from songsmith.config import Settings
from songsmith.queue.procrastinate import ProcrastinateQueue
from songsmith.queue.typing import JobSpec
from songsmith.services.worker.job_process import Outcome
from songsmith.services.worker.loop import Worker
from songsmith.store.sql import SqlStore

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]


@pytest.fixture
def cluster() -> Iterator[ThrowawayPostgres]:
    try:
        pg = ThrowawayPostgres()
    except (FileNotFoundError, OSError) as exc:
        pytest.skip(f"cannot make a throwaway PostgreSQL cluster: {exc}")
    try:
        pg.start()
        yield pg
    finally:
        pg.destroy()


def test_settling_during_an_outage_retries_until_the_database_is_back(
    cluster: ThrowawayPostgres, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path, database_url=cluster.url, default_engine="testing")
    store = SqlStore(settings.resolved_database_url)
    queue = ProcrastinateQueue(settings.resolved_database_url)
    worker = Worker(settings, engine_names=["testing"], store=store, queue=queue, reap=False)
    try:
        queue.enqueue(JobSpec(task_id="t-outage", clip_id=None, kind="lyrics", queue="lyrics"))
        lease = queue.claim(worker.worker_id, worker.queues, settings.lease_s)
        assert lease is not None
        cluster.stop()
        errors: list[BaseException] = []

        def settle() -> None:
            try:
                worker._settle(lease, Outcome("ok"), lost=False)
            except BaseException as exc:  # the old behaviour: the worker thread dies here
                errors.append(exc)

        thread = threading.Thread(target=settle, daemon=True)
        thread.start()
        time.sleep(2.0)
        assert thread.is_alive() and not errors, errors  # still retrying, not crashed
        cluster.start()
        thread.join(60)
        assert not thread.is_alive() and not errors, errors
        rows = job_rows(cluster.url)
        assert [r["status"] for r in rows] == ["succeeded"]
    finally:
        worker.stop_event.set()
        queue.close()
        store.close()
