"""R5-lite: SIGKILL a process in the middle of database and file writes, repeatedly."""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from songsmith.blobs.local import BLOB_ID_RE
from songsmith.domain.statuses import TaskStatus
from songsmith.store.sql import SqlStore

WRITER = Path(__file__).with_name("write_forever.py")
KILLS = 5  # the soak script runs 200
BLOB_SIZE = 256 * 1024


def test_r5_sigkill_during_writes_keeps_database_and_files_whole(tmp_path: Path) -> None:
    db = tmp_path / "songsmith.db"
    url = f"sqlite:///{db}"
    SqlStore(url).close()  # migrate once up front
    log = tmp_path / "committed.log"
    rng = random.Random(5)
    for _ in range(KILLS):
        proc = subprocess.Popen(
            [sys.executable, str(WRITER), url, str(tmp_path / "blobs"), str(log)]
        )
        # let it get going, then kill at a random moment
        deadline = time.monotonic() + 20
        start_lines = len(log.read_text().splitlines()) if log.exists() else 0
        while time.monotonic() < deadline:
            if log.exists() and len(log.read_text().splitlines()) > start_lines + 2:
                break
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, 0.3))
        proc.kill()
        proc.wait()

    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    committed = log.read_text().split()
    assert len(committed) >= KILLS * 2
    store = SqlStore(url)
    try:
        for task_id in committed:
            task = store.get_task(task_id, None)
            assert task is not None and task.request == {"prompt": "x" * 500}
            if task.status is TaskStatus.SUCCESS:
                (clip,) = store.get_clips(task_id)
                assert store_blob_size(tmp_path, clip.artifacts["wav"]) == BLOB_SIZE
    finally:
        store.close()
    # no partial file under a final name: every final blob is whole
    finals = [
        p for p in (tmp_path / "blobs").rglob("*") if p.is_file() and BLOB_ID_RE.match(p.name)
    ]
    assert finals and all(p.stat().st_size == BLOB_SIZE for p in finals)


def store_blob_size(root: Path, blob_id: str) -> int:
    return (root / "blobs" / blob_id[:2] / blob_id).stat().st_size
