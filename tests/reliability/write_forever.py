"""Writes tasks, clip updates and blobs in a loop until killed (R5-lite's victim).

`python write_forever.py DB_URL BLOB_DIR LOG`: after each commit it appends the task id to LOG.
"""

from __future__ import annotations

import sys
import uuid
from datetime import UTC, datetime

from songsmith.blobs.local import LocalBlobStore
from songsmith.domain.models import Clip, Task
from songsmith.domain.statuses import Action, ClipStatus, Mode, TaskStatus
from songsmith.store.sql import SqlStore

BLOB_SIZE = 256 * 1024


def main() -> None:
    store = SqlStore(sys.argv[1])
    blobs = LocalBlobStore(sys.argv[2], "http://test")
    with open(sys.argv[3], "a") as log:
        while True:
            task_id = str(uuid.uuid4())
            clip = Clip(
                task_id + "-c",
                task_id,
                "k",
                0,
                ClipStatus.SUBMITTED,
                "t",
                "chirp-auk",
                datetime.now(UTC),
                {"n": 1},
            )
            task = Task(
                task_id,
                "k",
                Action.MUSIC,
                Mode.CUSTOM,
                TaskStatus.SUBMITTED,
                0,
                {"prompt": "x" * 500},
            )
            store.create_task(task, [clip])
            log.write(task_id + "\n")
            log.flush()
            store.start_clip(clip.id, 1)
            store.set_clip_progress(clip.id, 1, 50)
            blob_id = blobs.put(bytes(BLOB_SIZE), content_type="audio/wav", suffix="wav")
            store.complete_clip(clip.id, 1, duration=1.0, artifacts={"wav": blob_id}, metadata={})
            store.refresh_task(task_id)


if __name__ == "__main__":
    main()
