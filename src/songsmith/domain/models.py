"""Domain records. Plain dataclasses: no wire names, no persistence details."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from songsmith.domain.statuses import Action, ClipStatus, Mode, TaskStatus


@dataclass
class ApiKey:
    id: str  # public id, e.g. "key_3f2a..."; never the secret
    name: str
    key_hash: str  # hex SHA-256 of the full "sk-..." secret
    webhook_secret: str  # signs notify_hook callbacks; authenticates nothing else
    created_at: datetime
    revoked: bool = False


@dataclass
class Task:
    id: str
    key_id: str
    action: Action
    mode: Mode
    status: TaskStatus
    submit_time: int  # unix seconds
    request: dict[str, Any]  # the request as received, unknown fields included
    notify_hook: str = ""
    fail_reason: str = ""
    start_time: int = 0
    finish_time: int = 0
    progress: int = 0  # percent, monotonic
    clip_ids: list[str] = field(default_factory=list)  # in index order
    result: dict[str, Any] | None = None  # LYRICS: the lyrics object; other actions: None


@dataclass
class Clip:
    id: str
    task_id: str
    key_id: str
    index: int  # position within its task; the clip's seed is seed + index
    status: ClipStatus
    title: str
    mv: str  # the model version requested
    created_at: datetime
    metadata: dict[str, Any] = field(default_factory=dict)
    # kind -> blob id; kinds: "mp3", "image", "image_large", "stream", "wav", "mp4", "midi",
    # "score" (JSON), "timing" (JSON), "stem:<group>" (wav per stem group)
    artifacts: dict[str, str] = field(default_factory=dict)
    duration: float | None = None
    attempt: int = 0  # the attempt that owns (or won) this clip; fences completion
    progress: int = 0  # percent


@dataclass
class Persona:
    id: str
    key_id: str
    name: str
    description: str
    root_clip_id: str
    clip_ids: list[str]
    is_public: bool
    created_at: datetime
    # voice and style profile of the root clip
    profile: dict[str, Any] = field(default_factory=dict)
