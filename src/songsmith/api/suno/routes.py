"""`/suno/*` routes (suno-wire.md section 2). Transport only: parse, call a service, map back.

Handlers are plain `def`: FastAPI runs them in its thread pool, so blocking store calls never
stall the event loop.
"""

from __future__ import annotations

from typing import Any, NoReturn

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from songsmith.api.auth import AuthKey
from songsmith.api.state import AppState, app_state
from songsmith.api.suno import mapping
from songsmith.api.suno.schemas import (
    ConcatBody,
    FetchBody,
    GatewayErrorBody,
    IdEnvelope,
    LyricsSubmitBody,
    MusicSubmitBody,
    PersonaCreateBody,
    TaskEnvelope,
    TaskErrorBody,
    TaskListEnvelope,
    TimingObject,
    UploadUrlBody,
)
from songsmith.domain.errors import NotSupported
from songsmith.domain.models import ApiKey
from songsmith.services import fetch as fetch_service
from songsmith.services import persona as persona_service
from songsmith.services import submit as submit_service
from songsmith.services.timing import timing_of

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": TaskErrorBody, "description": "Task-style error (suno-wire.md 6.2)"},
    401: {"model": GatewayErrorBody, "description": "Missing, malformed, wrong or revoked key"},
    413: {"model": GatewayErrorBody, "description": "Body larger than the limit"},
    429: {"model": GatewayErrorBody, "description": "Rate limit or open-task cap (Retry-After)"},
    503: {"model": GatewayErrorBody, "description": "Store or queue unavailable (Retry-After)"},
}

router = APIRouter(prefix="/suno", tags=["suno"], responses=ERROR_RESPONSES)


def _json(payload: Any) -> JSONResponse:
    return JSONResponse(payload)


def _blob_url(state: AppState) -> mapping.BlobUrl:
    return state.blobs.url


@router.post("/submit/music", response_model=IdEnvelope, summary="Generate music (every mode)")
def submit_music(body: MusicSubmitBody, request: Request, key: AuthKey) -> Response:
    mapping.log_unknown_fields(body, "submit/music")
    state = app_state(request)
    task_id = submit_service.submit_music(state.submit, key, mapping.to_generation_request(body))
    return _json(mapping.envelope(task_id))


@router.post("/submit/lyrics", response_model=IdEnvelope, summary="Write lyrics")
def submit_lyrics(body: LyricsSubmitBody, request: Request, key: AuthKey) -> Response:
    mapping.log_unknown_fields(body, "submit/lyrics")
    state = app_state(request)
    task_id = submit_service.submit_lyrics(
        state.submit, key, body.prompt, body.notify_hook, mapping.raw_request(body)
    )
    return _json(mapping.envelope(task_id))


def _concat(body: ConcatBody, request: Request, key: ApiKey) -> NoReturn:
    mapping.log_unknown_fields(body, "submit/concat")
    state = app_state(request)
    fetch_service.complete_clip(state.store, key.id, body.clip_id)
    raise NotSupported("Concatenating clips (submit/concat) is not supported yet.")


@router.post("/submit/concat", response_model=IdEnvelope, summary="Concatenate an extend chain")
def submit_concat(body: ConcatBody, request: Request, key: AuthKey) -> Response:
    return _concat(body, request, key)


@router.post("/submit/music/concat", response_model=IdEnvelope, summary="Alias of submit/concat")
def submit_music_concat(body: ConcatBody, request: Request, key: AuthKey) -> Response:
    return _concat(body, request, key)


@router.post("/uploads/audio-url", response_model=IdEnvelope, summary="Upload audio by URL")
def upload_audio_url(body: UploadUrlBody, request: Request, key: AuthKey) -> Response:
    mapping.log_unknown_fields(body, "uploads/audio-url")
    from songsmith.services.upload import validate_upload_url

    # The SSRF guard runs now (malformed, not http(s), blocked address: 400 at submit).
    validate_upload_url(body.url.strip(), app_state(request).settings)
    raise NotSupported("Uploading audio from a URL (uploads/audio-url) is not supported yet.")


def _persona(body: PersonaCreateBody, request: Request, key: ApiKey) -> NoReturn:
    mapping.log_unknown_fields(body, "persona/create")
    state = app_state(request)
    persona_service.create_persona(
        state.store, key, root_clip_id=body.root_clip_id, clip_ids=body.clips, name=body.name
    )


@router.post("/persona/create", summary="Create a persona (raw persona object)")
def persona_create(body: PersonaCreateBody, request: Request, key: AuthKey) -> Response:
    return _persona(body, request, key)


@router.post("/persona/create/", include_in_schema=False)
def persona_create_slash(body: PersonaCreateBody, request: Request, key: AuthKey) -> Response:
    return _persona(body, request, key)


@router.get("/fetch/{task_id}", response_model=TaskEnvelope, summary="Fetch one task")
def fetch_one(task_id: str, request: Request, key: AuthKey) -> Response:
    state = app_state(request)
    view = fetch_service.fetch_task(state.store, key.id, task_id)
    return _json(mapping.envelope(mapping.task_to_wire(view.task, view.clips, _blob_url(state))))


@router.post("/fetch", response_model=TaskListEnvelope, summary="Fetch many tasks")
def fetch_many(body: FetchBody, request: Request, key: AuthKey) -> Response:
    mapping.log_unknown_fields(body, "fetch")
    state = app_state(request)
    views = fetch_service.fetch_tasks(state.store, key.id, body.ids or [])
    url = _blob_url(state)
    return _json(mapping.envelope([mapping.task_to_wire(v.task, v.clips, url) for v in views]))


@router.get("/act/timing/{clip_id}", response_model=TimingObject, summary="Word timings")
def act_timing(clip_id: str, request: Request, key: AuthKey) -> Response:
    state = app_state(request)
    clip = fetch_service.complete_clip(state.store, key.id, clip_id)
    return _json(timing_of(state.store, state.blobs, clip))


def _act_not_supported(request: Request, key: ApiKey, clip_id: str, what: str) -> NoReturn:
    state = app_state(request)
    fetch_service.complete_clip(state.store, key.id, clip_id)
    raise NotSupported(f"{what} is not supported yet.")


@router.get("/act/wav/{clip_id}", summary="WAV of a clip")
def act_wav(clip_id: str, request: Request, key: AuthKey) -> Response:
    return _act_not_supported(request, key, clip_id, "Rendering WAV files (act/wav)")


@router.get("/act/mp4/{clip_id}", summary="MP4 video of a clip")
def act_mp4(clip_id: str, request: Request, key: AuthKey) -> Response:
    return _act_not_supported(request, key, clip_id, "Rendering MP4 videos (act/mp4)")


@router.get("/act/midi/{clip_id}", summary="MIDI of a clip")
def act_midi(clip_id: str, request: Request, key: AuthKey) -> Response:
    return _act_not_supported(request, key, clip_id, "MIDI export (act/midi)")
