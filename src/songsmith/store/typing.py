"""The store port. Every implementation passes tests/contract/test_store_contract.py.

Clip writes made by workers are fenced by `attempt`: they apply only while the clip's recorded
attempt equals the caller's (reliability-security.md, design rule 3), and return False otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from songsmith.domain.models import ApiKey, Clip, Persona, Task
from songsmith.domain.statuses import TaskStatus


class Store(Protocol):
    # --- API keys ---------------------------------------------------------------------
    def create_key(self, key: ApiKey) -> None: ...
    def find_key_by_hash(self, key_hash: str) -> ApiKey | None: ...  # revoked keys: None
    def list_keys(self) -> list[ApiKey]: ...
    def revoke_key(self, key_id: str) -> bool: ...

    # --- tasks and clips (reads are scoped to a key; another key's rows are "not found") --
    def create_task(self, task: Task, clips: Sequence[Clip]) -> None: ...  # one transaction
    def get_task(self, task_id: str, key_id: str | None) -> Task | None: ...  # None key: any
    def get_tasks(self, task_ids: Sequence[str], key_id: str) -> list[Task]: ...  # request order
    def get_clip(self, clip_id: str, key_id: str | None) -> Clip | None: ...
    def get_clips(self, task_id: str) -> list[Clip]: ...  # index order
    def get_task_with_clips(
        self, task_id: str, key_id: str | None
    ) -> tuple[Task, list[Clip]] | None: ...  # get_task + get_clips in one read (the poll path)
    def count_open_tasks(self, key_id: str) -> int: ...  # not terminal: for the queue cap
    def set_task_status(
        self, task_id: str, status: TaskStatus, *, fail_reason: str = ""
    ) -> None: ...  # also sets start/finish times; never leaves a terminal status
    def set_task_result(self, task_id: str, result: dict[str, Any]) -> None: ...  # LYRICS
    def refresh_task(self, task_id: str) -> Task: ...  # recompute status/progress from clips

    # --- clip life, fenced by attempt -------------------------------------------------
    def start_clip(self, clip_id: str, attempt: int) -> bool: ...  # status streaming, owns clip
    def set_clip_progress(
        self, clip_id: str, attempt: int, progress: int, stream_blob: str | None = None
    ) -> bool: ...  # progress never moves backwards
    def complete_clip(
        self,
        clip_id: str,
        attempt: int,
        *,
        duration: float,
        artifacts: dict[str, str],
        metadata: dict[str, Any],
        title: str | None = None,
    ) -> bool: ...
    def fail_clip(
        self, clip_id: str, attempt: int | None, error_type: str, message: str
    ) -> bool: ...  # attempt None: unconditional (the reaper after the last attempt)

    def add_artifact(self, clip_id: str, kind: str, blob_id: str) -> None: ...  # lazy wav/mp4..
    def update_clip_metadata(self, clip_id: str, patch: dict[str, Any]) -> None: ...

    # --- personas ----------------------------------------------------------------------
    def create_persona(self, persona: Persona) -> None: ...
    def get_persona(self, persona_id: str, key_id: str | None) -> Persona | None: ...

    # --- health ------------------------------------------------------------------------
    def ping(self) -> None: ...  # raises when the database cannot be reached
    def task_counts(self) -> dict[str, int]: ...  # status -> count, for /metrics
