"""Per-attempt blob journals: which blobs one attempt of one clip created.

An attempt records every blob id (fsynced) *before* the blob's file exists, so a SIGKILL at any
moment leaves a journal naming everything it may have written. Once the attempt can no longer
make a blob visible (its clip is terminal, or a newer attempt owns it: store writes are fenced
by `clip.attempt`), every journaled blob the clip does not reference is an orphan and is deleted
(`collect_attempt`). The attempt itself collects on the way out; the reaper's janitor collects
attempts that were killed. Only job kinds whose outputs are published by the fenced
`complete_clip` of their own clip are journaled (`pipeline.JOURNALED_KINDS`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from songsmith.blobs.local import BLOB_ID_RE, LocalBlobStore, LocalBlobWriter, fsync_dir

if TYPE_CHECKING:
    from songsmith.store.typing import Store

JOURNAL_DIR = "attempts"
_NAME_RE = re.compile(r"\A(?P<clip>[A-Za-z0-9_-]{1,64})\.(?P<attempt>[0-9]{1,9})\.log\Z")


@dataclass(frozen=True)
class AttemptJournal:
    path: Path
    clip_id: str
    attempt: int

    @classmethod
    def for_attempt(cls, blobs_root: Path, clip_id: str, attempt: int) -> AttemptJournal:
        path = blobs_root / JOURNAL_DIR / f"{clip_id}.{attempt}.log"
        if not _NAME_RE.match(path.name):
            raise ValueError(f"Clip id {clip_id!r} cannot name a journal.")
        return cls(path, clip_id, attempt)

    def record(self, blob_id: str) -> None:
        """Durably note `blob_id` before anything is written under it."""
        folder = self.path.parent
        created = not folder.exists()
        folder.mkdir(exist_ok=True)
        fresh = not self.path.exists()
        with open(self.path, "a") as out:
            out.write(blob_id + "\n")
            out.flush()
            os.fsync(out.fileno())
        if created or fresh:  # the journal's own name must survive a crash too
            fsync_dir(folder)

    def blob_ids(self) -> list[str]:
        try:
            lines = self.path.read_text().splitlines()
        except FileNotFoundError:
            return []
        # A torn last line (killed mid-write) is not a valid id and names no file.
        return [line for line in dict.fromkeys(lines) if BLOB_ID_RE.match(line)]

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


def all_journals(blobs_root: Path) -> Iterator[AttemptJournal]:
    folder = blobs_root / JOURNAL_DIR
    if not folder.is_dir():
        return
    for path in sorted(folder.iterdir()):
        match = _NAME_RE.match(path.name)
        if match:
            yield AttemptJournal(path, match["clip"], int(match["attempt"]))


class JournaledBlobStore:
    """A `LocalBlobStore` seen through one attempt: every new blob is journaled first."""

    def __init__(self, inner: LocalBlobStore, journal: AttemptJournal) -> None:
        self.inner = inner
        self.journal = journal

    def put(self, data: bytes, *, content_type: str, suffix: str) -> str:
        blob_id = self.inner.new_id(suffix)
        self.journal.record(blob_id)
        return self.inner.put(data, content_type=content_type, suffix=suffix, blob_id=blob_id)

    def open_append(self, *, content_type: str, suffix: str) -> LocalBlobWriter:
        blob_id = self.inner.new_id(suffix)
        self.journal.record(blob_id)
        return self.inner.open_append(content_type=content_type, suffix=suffix, blob_id=blob_id)

    def size(self, blob_id: str) -> int | None:
        return self.inner.size(blob_id)

    def read(self, blob_id: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        return self.inner.read(blob_id, start, end)

    def content_type(self, blob_id: str) -> str:
        return self.inner.content_type(blob_id)

    def delete(self, blob_id: str) -> None:
        self.inner.delete(blob_id)

    def url(self, blob_id: str) -> str:
        return self.inner.url(blob_id)

    def __getattr__(self, name: str) -> Any:  # read_bytes, path, exists ...
        return getattr(self.inner, name)


def collect_attempt(
    store: Store, blobs: LocalBlobStore, journal: AttemptJournal, *, writer_done: bool
) -> int:
    """Delete the journaled blobs of an attempt that its clip does not reference; returns how many.

    `writer_done`: the attempt's process has stopped writing (it is collecting itself on the
    way out). Otherwise (the janitor) the attempt may still be alive, paused or slow, and only an
    attempt that can no longer make a blob visible is collected. The journal goes once no blob
    it names can become an orphan later (a still-referenced stream can: the next attempt
    replaces it).
    """
    clip = store.get_clip(journal.clip_id, None)
    over = clip is None or clip.status.terminal or clip.attempt > journal.attempt
    if not over and not writer_done:
        return 0
    referenced = set(clip.artifacts.values()) if clip is not None else set()
    deleted = 0
    kept = 0
    for blob_id in journal.blob_ids():
        if blob_id in referenced:
            kept += 1
            continue
        if blobs.size(blob_id) is not None:
            deleted += 1
        blobs.delete(blob_id)
        deleted += blobs.delete_temps(blob_id)
    if over or kept == 0:
        journal.remove()
    return deleted


def collect_dead_attempts(store: Store, blobs: LocalBlobStore) -> int:
    """The janitor: collect every journal whose attempt is over. Returns files deleted."""
    return sum(
        collect_attempt(store, blobs, journal, writer_done=False)
        for journal in all_journals(blobs.root)
    )
