"""The one module that knows both the wire (schemas.py, JSON) and the domain (models, request).

Requests go wire -> domain; tasks, clips and lyrics go domain -> wire JSON (suno-wire.md 4.1-4.3).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from songsmith.api.suno.schemas import MusicSubmitBody
from songsmith.domain.errors import InvalidRequest
from songsmith.domain.model_versions import DEFAULT_MV, MODEL_VERSIONS
from songsmith.domain.models import Clip, Task
from songsmith.domain.request import GenerationRequest, parse_seconds
from songsmith.domain.statuses import Action, ClipStatus

log = logging.getLogger("songsmith.api.wire")

BlobUrl = Callable[[str], str]  # blob id -> absolute URL

# Bookkeeping kept in clip metadata that is not part of the wire (e.g. lazy render records).
_INTERNAL_METADATA_KEYS = frozenset({"renders"})

# Keys every clip's metadata shows (suno-wire.md 4.2); values not known yet are null.
_CLIP_METADATA_KEYS: tuple[str, ...] = (
    "tags",
    "negative_tags",
    "prompt",
    "gpt_description_prompt",
    "type",
    "duration",
    "history",
    "concat_history",
    "task",
    "make_instrumental",
    "has_vocal",
    "persona_id",
    "stem_from_id",
    "stem_type_group_name",
    "infill",
    "error_type",
    "error_message",
    "refund_credits",
    "stream",
    "engine",
    "seed",
    "bpm",
    "key",
    "time_signature",
    "vocal_gender",
    "sections",
)


def log_unknown_fields(body: BaseModel, route: str) -> None:
    extra = body.model_extra or {}
    if extra and log.isEnabledFor(logging.DEBUG):
        log.debug("unknown request fields on %s kept: %s", route, sorted(extra))


def _reject_non_finite(value: Any, path: str) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidRequest(f"Field {path or 'body'!r} must be a finite number.")
    if isinstance(value, dict):
        for k, v in value.items():
            _reject_non_finite(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _reject_non_finite(v, f"{path}[{i}]")


def raw_request(body: BaseModel) -> dict[str, Any]:
    """The request as received (unknown fields included), JSON-safe, for the task row."""
    raw = body.model_dump(exclude_unset=True)
    # Python's JSON reader accepts 1e999 as inf, which no JSON column can store.
    _reject_non_finite(raw, "")
    return body.model_dump(mode="json", exclude_unset=True)


def to_generation_request(body: MusicSubmitBody) -> GenerationRequest:
    metadata = body.metadata.model_dump(mode="json", exclude_none=True) if body.metadata else {}
    return GenerationRequest(
        raw=raw_request(body),
        gpt_description_prompt=body.gpt_description_prompt,
        prompt=body.prompt,
        tags=body.tags,
        negative_tags=body.negative_tags,
        title=body.title,
        mv=body.mv,
        make_instrumental=body.make_instrumental,
        task=body.task,
        task_id=body.task_id,
        continue_clip_id=body.continue_clip_id,
        continue_at=parse_seconds(body.continue_at, "continue_at"),
        infill_start_s=parse_seconds(body.infill_start_s, "infill_start_s"),
        infill_end_s=parse_seconds(body.infill_end_s, "infill_end_s"),
        cover_clip_id=body.cover_clip_id,
        persona_id=body.persona_id,
        artist_clip_id=body.artist_clip_id,
        underpainting_clip_id=body.underpainting_clip_id,
        underpainting_start_s=parse_seconds(body.underpainting_start_s, "underpainting_start_s"),
        underpainting_end_s=parse_seconds(body.underpainting_end_s, "underpainting_end_s"),
        overpainting_clip_id=body.overpainting_clip_id,
        overpainting_start_s=parse_seconds(body.overpainting_start_s, "overpainting_start_s"),
        overpainting_end_s=parse_seconds(body.overpainting_end_s, "overpainting_end_s"),
        override_fields=body.override_fields,
        stem_type_group_name=body.stem_type_group_name,
        stem_task=body.stem_task,
        vocal_gender=body.vocal_gender,
        notify_hook=body.notify_hook,
        seed=body.seed,
        metadata=metadata,
    )


# ---- domain -> wire ------------------------------------------------------------------------


def iso_ms(moment: datetime) -> str:
    """`2026-11-26T03:10:00.000Z`: UTC, milliseconds, `Z` (suno-wire.md section 1)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _url(artifacts: dict[str, str], kind: str, blob_url: BlobUrl) -> str:
    blob_id = artifacts.get(kind)
    return blob_url(blob_id) if blob_id else ""


def clip_to_wire(clip: Clip, blob_url: BlobUrl) -> dict[str, Any]:
    version = MODEL_VERSIONS.get(clip.mv) or MODEL_VERSIONS[DEFAULT_MV]
    complete = clip.status is ClipStatus.COMPLETE
    artifacts = clip.artifacts
    if complete:
        audio_url = _url(artifacts, "mp3", blob_url)
    elif clip.status is ClipStatus.STREAMING:
        audio_url = _url(artifacts, "stream", blob_url)
    else:
        audio_url = ""
    metadata: dict[str, Any] = {k: None for k in _CLIP_METADATA_KEYS}
    metadata.update((k, v) for k, v in clip.metadata.items() if k not in _INTERNAL_METADATA_KEYS)
    metadata["duration"] = clip.duration if complete else None
    metadata["stream"] = bool(metadata.get("stream", True))
    if clip.status is ClipStatus.ERROR:
        metadata["error_type"] = metadata.get("error_type") or "generation_failed"
        metadata["error_message"] = (
            metadata.get("error_message") or "The clip could not be generated."
        )
    video_url = _url(artifacts, "mp4", blob_url) if complete else ""
    return {
        "id": clip.id,
        "title": clip.title,
        "status": clip.status.value,
        "audio_url": audio_url,
        "video_url": video_url,
        "image_url": _url(artifacts, "image", blob_url) if complete else "",
        "image_large_url": _url(artifacts, "image_large", blob_url) if complete else "",
        "is_video_pending": False,  # mp4 is rendered on request (act/mp4), never pending
        "model_name": version.model_name,
        "major_model_version": version.major_model_version,
        "metadata": metadata,
        "created_at": iso_ms(clip.created_at),
        "display_name": "songsmith",
        "handle": "songsmith",
        "is_liked": False,
        "is_trashed": False,
        "is_public": False,
        "reaction": None,
        "play_count": 0,
        "upvote_count": 0,
        "user_id": clip.key_id,
    }


def task_to_wire(task: Task, clips: Sequence[Clip], blob_url: BlobUrl) -> dict[str, Any]:
    data: Any
    if task.action is Action.LYRICS:
        data = task.result
    elif clips:
        data = [clip_to_wire(c, blob_url) for c in clips]
    else:
        data = None
    return {
        "task_id": task.id,
        "notify_hook": task.notify_hook or "",
        "action": task.action.value,
        "status": task.status.value,
        "fail_reason": task.fail_reason or "",
        "submit_time": int(task.submit_time),
        "start_time": int(task.start_time),
        "finish_time": int(task.finish_time),
        "progress": f"{max(0, min(100, int(task.progress)))}%",
        "data": data,
    }


def envelope(data: Any) -> dict[str, Any]:
    return {"code": "success", "message": "", "data": data}


__all__ = [
    "clip_to_wire",
    "envelope",
    "iso_ms",
    "log_unknown_fields",
    "raw_request",
    "task_to_wire",
    "to_generation_request",
]
