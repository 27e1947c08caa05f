"""Wire models of the Suno API as CometAPI serves it (suno-wire.md sections 2-6).

Request models accept unknown keys (kept, logged at debug by the routes); JSON type errors become
400 `invalid_request` in api/errors.py. Response models only document the wire in OpenAPI: the
routes build the JSON in api/suno/mapping.py, so a response is never re-validated per request.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Request(BaseModel):
    model_config = ConfigDict(extra="allow")


class ControlSliders(_Request):
    style_weight: float | None = Field(default=None, ge=0, le=1)
    weirdness_constraint: float | None = Field(default=None, ge=0, le=1)
    audio_weight: float | None = Field(default=None, ge=0, le=1)


class SubmitMetadata(_Request):
    vocal_gender: str | None = None
    control_sliders: ControlSliders | None = None


Seconds = float | str  # int, float or numeric string (checked by domain.request.parse_seconds)


class MusicSubmitBody(_Request):
    """`POST /suno/submit/music`: every generation mode, chosen by `task` (section 3)."""

    gpt_description_prompt: str | None = None
    prompt: str | None = None
    tags: str | None = None
    negative_tags: str | None = None
    title: str | None = None
    mv: str | None = None
    make_instrumental: bool | None = None
    generation_type: str | None = None
    task: str | None = None
    task_id: str | None = None
    continue_clip_id: str | None = None
    continue_at: Seconds | None = None
    infill_start_s: Seconds | None = None
    infill_end_s: Seconds | None = None
    cover_clip_id: str | None = None
    persona_id: str | None = None
    artist_clip_id: str | None = None
    underpainting_clip_id: str | None = None
    underpainting_start_s: Seconds | None = None
    underpainting_end_s: Seconds | None = None
    overpainting_clip_id: str | None = None
    overpainting_start_s: Seconds | None = None
    overpainting_end_s: Seconds | None = None
    override_fields: list[str] | None = None
    stem_type_id: int | str | None = None
    stem_type_group_name: str | None = None
    stem_task: str | None = None
    metadata: SubmitMetadata | None = None
    vocal_gender: str | None = None
    notify_hook: str | None = None
    seed: int | None = Field(default=None, description="songsmith extension: clip i uses seed + i")


class LyricsSubmitBody(_Request):
    prompt: str | None = None
    notify_hook: str | None = None


class ConcatBody(_Request):
    clip_id: str
    is_infill: bool = False


class UploadUrlBody(_Request):
    url: str


class PersonaCreateBody(_Request):
    root_clip_id: str
    name: str
    description: str = ""
    clips: list[str] = Field(default_factory=list)
    is_public: bool = False


class FetchBody(_Request):
    ids: list[str] | None = None
    action: str | None = None


# ---- responses (documentation only) -----------------------------------------------------


class ClipObject(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    title: str
    status: Literal["submitted", "queued", "streaming", "complete", "error"]
    audio_url: str
    video_url: str
    image_url: str
    image_large_url: str
    is_video_pending: bool
    model_name: str
    major_model_version: str
    metadata: dict[str, Any]
    created_at: str
    display_name: str
    handle: str
    is_liked: bool
    is_trashed: bool
    is_public: bool
    reaction: None = None
    play_count: int
    upvote_count: int
    user_id: str


class LyricsObject(BaseModel):
    id: str
    status: str
    title: str
    text: str
    tags: str


class TaskObject(BaseModel):
    model_config = ConfigDict(extra="allow")

    task_id: str
    notify_hook: str
    action: Literal["MUSIC", "LYRICS", "UPLOAD"]
    status: Literal["NOT_START", "SUBMITTED", "QUEUED", "IN_PROGRESS", "SUCCESS", "FAILURE"]
    fail_reason: str
    submit_time: int
    start_time: int
    finish_time: int
    progress: str
    data: list[ClipObject] | LyricsObject | None


class IdEnvelope(BaseModel):
    code: Literal["success"]
    message: str
    data: str


class TaskEnvelope(BaseModel):
    code: Literal["success"]
    message: str
    data: TaskObject


class TaskListEnvelope(BaseModel):
    code: Literal["success"]
    message: str
    data: list[TaskObject]


class AlignedWord(BaseModel):
    word: str
    success: bool
    start_s: float
    end_s: float
    p_align: float


class TimingObject(BaseModel):
    aligned_words: list[AlignedWord]
    waveform_data: list[float]
    hoot_cer: float
    is_streamed: bool


class TaskErrorBody(BaseModel):
    """Shape 6.2: every `/suno/*` handler error."""

    code: str
    message: str
    data: None = None


class GatewayErrorDetail(BaseModel):
    message: str
    type: Literal["songsmith_api_error"]
    param: str
    code: str


class GatewayErrorBody(BaseModel):
    """Shape 6.1: auth, rate limit, body too large, unknown route, overload."""

    error: GatewayErrorDetail
