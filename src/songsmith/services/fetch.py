"""Fetch use cases: a task (or many) with its clips, scoped to the asking key (S2)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from songsmith.domain.errors import ClipNotExist, ClipNotReady, TaskNotExist
from songsmith.domain.models import Clip, Task
from songsmith.domain.statuses import ClipStatus
from songsmith.store.typing import Store

MAX_BATCH_IDS = 200


@dataclass(frozen=True)
class TaskView:
    task: Task
    clips: list[Clip]


def fetch_task(store: Store, key_id: str, task_id: str) -> TaskView:
    # One statement (task and clips together): pollers call this many times a second.
    found = store.get_task_with_clips(task_id, key_id)
    if found is None:
        raise TaskNotExist(f"Task {task_id!r} does not exist.")
    return TaskView(*found)


def fetch_tasks(store: Store, key_id: str, task_ids: Sequence[str]) -> list[TaskView]:
    """In request order; unknown and foreign ids are silently left out, duplicates kept once."""
    unique = list(dict.fromkeys(task_ids))[:MAX_BATCH_IDS]
    if not unique:
        return []
    # One statement per task instead of one for all tasks plus one per task's clips.
    views = []
    for task_id in unique:
        found = store.get_task_with_clips(task_id, key_id)
        if found is not None:
            views.append(TaskView(*found))
    return views


def own_clip(store: Store, key_id: str, clip_id: str) -> Clip:
    clip = store.get_clip(clip_id, key_id)
    if clip is None:
        raise ClipNotExist(f"Clip {clip_id!r} does not exist.")
    return clip


def complete_clip(store: Store, key_id: str, clip_id: str) -> Clip:
    """A clip of this key that is `complete` (the precondition of every act/* route)."""
    clip = own_clip(store, key_id, clip_id)
    if clip.status is not ClipStatus.COMPLETE:
        raise ClipNotReady(f"Clip {clip_id!r} is {clip.status.value}, not complete yet.")
    return clip
