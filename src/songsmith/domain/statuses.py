"""Statuses and enumerations of the domain (values are what the wire shows)."""

from __future__ import annotations

from enum import StrEnum


class TaskStatus(StrEnum):
    NOT_START = "NOT_START"  # stored but not yet accepted by the queue
    SUBMITTED = "SUBMITTED"  # accepted, a job is enqueued
    QUEUED = "QUEUED"  # waiting for a worker
    IN_PROGRESS = "IN_PROGRESS"  # at least one clip is being generated
    SUCCESS = "SUCCESS"  # every clip complete (terminal)
    FAILURE = "FAILURE"  # a clip failed after its retries, or the task itself failed (terminal)

    @property
    def terminal(self) -> bool:
        return self in (TaskStatus.SUCCESS, TaskStatus.FAILURE)


class ClipStatus(StrEnum):
    SUBMITTED = "submitted"  # row written, job not claimed yet
    QUEUED = "queued"  # job enqueued / waiting for a worker
    STREAMING = "streaming"  # a worker is generating it; audio_url may already play
    COMPLETE = "complete"  # final media stored (terminal)
    ERROR = "error"  # failed after its retries (terminal)

    @property
    def terminal(self) -> bool:
        return self in (ClipStatus.COMPLETE, ClipStatus.ERROR)


class Action(StrEnum):
    MUSIC = "MUSIC"  # clips generated, edited or derived
    LYRICS = "LYRICS"  # lyrics written
    UPLOAD = "UPLOAD"  # an audio URL fetched and decoded into a clip


class Mode(StrEnum):
    """What a job does; recognised from the request by `domain.request.resolve_mode`."""

    INSPIRATION = "inspiration"
    CUSTOM = "custom"
    INSTRUMENTAL = "instrumental"
    EXTEND = "extend"
    UPLOAD_EXTEND = "upload_extend"
    INFILL = "infill"
    COVER = "cover"
    ARTIST_CONSISTENCY = "artist_consistency"
    UNDERPAINTING = "underpainting"
    OVERPAINTING = "overpainting"
    GEN_STEM = "gen_stem"
    CONCAT = "concat"
    UPLOAD = "upload"
    LYRICS = "lyrics"


# metadata.type reported on clips, by mode
CLIP_TYPE_BY_MODE: dict[Mode, str] = {
    Mode.INSPIRATION: "gen",
    Mode.CUSTOM: "gen",
    Mode.INSTRUMENTAL: "gen",
    Mode.ARTIST_CONSISTENCY: "gen",
    Mode.COVER: "gen",
    Mode.EXTEND: "extend",
    Mode.UPLOAD_EXTEND: "extend",
    Mode.INFILL: "infill",
    Mode.UPLOAD: "upload",
    Mode.CONCAT: "concat",
    Mode.GEN_STEM: "stem",
    Mode.UNDERPAINTING: "underpainting",
    Mode.OVERPAINTING: "overpainting",
}
