"""Blobs of killed attempts: journaled before they exist, collected once the attempt is over."""

from __future__ import annotations

from pathlib import Path

from songsmith_worker_helpers import make_settings, submit_music

from songsmith.blobs.journal import AttemptJournal, JournaledBlobStore, all_journals
from songsmith.blobs.local import BLOB_ID_RE, LocalBlobStore
from songsmith.domain.statuses import ClipStatus
from songsmith.queue.sql import SqlQueue
from songsmith.services.worker.reaper import collect_orphan_blobs
from songsmith.store.sql import SqlStore


def blob_files(root: Path) -> set[str]:
    return {p.name for p in root.rglob("*") if p.is_file() and BLOB_ID_RE.match(p.name)}


def test_janitor_collects_a_killed_attempt_once_a_newer_one_owns_the_clip(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path)
    store = SqlStore(settings.resolved_database_url)
    queue = SqlQueue(settings.resolved_database_url)
    blobs = LocalBlobStore(settings.blob_dir, "http://test")
    try:
        task_id = submit_music(store, queue, n_clips=1)
        (clip,) = store.get_clips(task_id)
        assert store.start_clip(clip.id, 1)
        attempt1 = JournaledBlobStore(blobs, AttemptJournal.for_attempt(blobs.root, clip.id, 1))
        stream = attempt1.open_append(content_type="audio/mpeg", suffix="mp3")
        stream.append(b"frames")
        stream.close()
        assert store.set_clip_progress(clip.id, 1, 10, stream_blob=stream.blob_id)
        finished = attempt1.put(b"mp3 data", content_type="audio/mpeg", suffix="mp3")
        # killed mid-put: a journaled id with only a temp file
        torn = blobs.new_id("wav")
        attempt1.journal.record(torn)
        blobs.tmp_prefix(torn).with_name(torn + ".0000.part").write_bytes(b"half")

        # attempt 1 may still be alive (paused): the janitor must not touch it
        assert collect_orphan_blobs(store, settings) == 0
        assert blob_files(blobs.root) == {stream.blob_id, finished}

        assert store.start_clip(clip.id, 2)  # attempt 2 owns the clip: 1 can never publish
        assert collect_orphan_blobs(store, settings) == 2  # `finished` and the temp file
        assert blob_files(blobs.root) == {stream.blob_id}  # still what the clip streams
        assert list((blobs.root / "tmp").iterdir()) == []
        assert list(all_journals(blobs.root)) == []
    finally:
        store.close()
        queue.close()


def test_janitor_keeps_referenced_blobs_of_a_finished_clip(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    store = SqlStore(settings.resolved_database_url)
    queue = SqlQueue(settings.resolved_database_url)
    blobs = LocalBlobStore(settings.blob_dir, "http://test")
    try:
        task_id = submit_music(store, queue, n_clips=1)
        (clip,) = store.get_clips(task_id)
        assert store.start_clip(clip.id, 1)
        journaled = JournaledBlobStore(blobs, AttemptJournal.for_attempt(blobs.root, clip.id, 1))
        kept = journaled.put(b"a", content_type="audio/mpeg", suffix="mp3")
        spare = journaled.put(b"b", content_type="image/jpeg", suffix="jpg")
        assert store.complete_clip(clip.id, 1, duration=1.0, artifacts={"mp3": kept}, metadata={})
        # killed after complete_clip, before collecting its own journal
        assert store.get_clips(task_id)[0].status is ClipStatus.COMPLETE
        assert collect_orphan_blobs(store, settings) == 1
        assert blob_files(blobs.root) == {kept}
        assert blobs.size(spare) is None
    finally:
        store.close()
        queue.close()


def test_render_jobs_on_complete_clips_are_not_collected(tmp_path: Path) -> None:
    """A render job adds an artifact to a clip that is already complete: its blob must survive
    the attempt's own collection and the janitor."""
    from songsmith.engines.registry import EngineRegistry
    from songsmith.queue.typing import JobSpec
    from songsmith.services.act import RENDER_QUEUE
    from songsmith.services.pipeline import PipelineContext, execute

    settings = make_settings(tmp_path)
    store = SqlStore(settings.resolved_database_url)
    queue = SqlQueue(settings.resolved_database_url)
    blobs = LocalBlobStore(settings.blob_dir, "http://test")
    ctx = PipelineContext(settings, store, blobs, EngineRegistry(settings))
    try:
        task_id = submit_music(store, queue, n_clips=1)
        lease = queue.claim("w", ["testing"], 5.0)
        assert lease is not None
        execute(ctx, lease)
        (clip,) = store.get_clips(task_id)
        queue.enqueue(JobSpec(task_id, clip.id, "render_wav", RENDER_QUEUE))
        render = queue.claim("w", [RENDER_QUEUE], 5.0)
        assert render is not None
        execute(ctx, render)
        collect_orphan_blobs(store, settings)
        (clip,) = store.get_clips(task_id)
        assert blobs.size(clip.artifacts["wav"])
        assert blob_files(blobs.root) == set(clip.artifacts.values())
    finally:
        store.close()
        queue.close()
