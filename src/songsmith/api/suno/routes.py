"""`/suno/*` routes (suno-wire.md section 2). Transport only: parse, call a service, map back.

Handlers are plain `def`: FastAPI runs them in its thread pool, so blocking store calls never
stall the event loop. The fetch routes (what pollers hit) are `async def` instead and make ONE
trip to a thread for auth, store read, mapping and JSON encoding together (see `_off_loop`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

from anyio import CapacityLimiter, to_thread
from anyio.lowlevel import RunVar
from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials
from starlette.responses import JSONResponse, Response

from songsmith.api.auth import AuthKey, bearer_scheme, current_key
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


# Poll threads: a few are enough to overlap SQLite's own work (it releases the GIL); more only
# queue on the GIL and on each other while adding thread switches to every request's latency.
FETCH_THREADS = 8

# The bearer credentials alone (no thread hop): fetch routes authenticate inside their one thread
# trip. The same `bearer_scheme` as `AuthKey`, so the OpenAPI security entry is unchanged.
BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]


def _json(payload: Any) -> JSONResponse:
    return JSONResponse(payload)


def _json_bytes(payload: Any) -> bytes:
    # Byte for byte what JSONResponse renders, without a response model re-validating it.
    return json.dumps(
        payload, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
    ).encode("utf-8")


# One limiter per event loop (like AnyIO's default thread limiter): a limiter made on one loop
# must not be awaited from another (each TestClient, each uvicorn run has its own loop).
_FETCH_LIMITER: RunVar[CapacityLimiter] = RunVar("songsmith_fetch_limiter")


def _fetch_limiter() -> CapacityLimiter:
    try:
        return _FETCH_LIMITER.get()
    except LookupError:
        limiter = CapacityLimiter(FETCH_THREADS)
        _FETCH_LIMITER.set(limiter)
        return limiter


async def _off_loop(render: Callable[[], bytes]) -> Response:
    """Run the blocking part of a poll in a bounded thread pool; answer its JSON bytes."""
    body = await to_thread.run_sync(render, limiter=_fetch_limiter())
    return Response(body, media_type="application/json")


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


def _concat(body: ConcatBody, request: Request, key: ApiKey) -> Response:
    from songsmith.services.concat_job import submit_concat

    mapping.log_unknown_fields(body, "submit/concat")
    state = app_state(request)
    raw = mapping.raw_request(body)
    task_id = submit_concat(state.submit, key, body.clip_id, body.is_infill, raw)
    return _json(mapping.envelope(task_id))


@router.post("/submit/concat", response_model=IdEnvelope, summary="Concatenate an extend chain")
def submit_concat(body: ConcatBody, request: Request, key: AuthKey) -> Response:
    return _concat(body, request, key)


@router.post("/submit/music/concat", response_model=IdEnvelope, summary="Alias of submit/concat")
def submit_music_concat(body: ConcatBody, request: Request, key: AuthKey) -> Response:
    return _concat(body, request, key)


@router.post("/uploads/audio-url", response_model=IdEnvelope, summary="Upload audio by URL")
def upload_audio_url(body: UploadUrlBody, request: Request, key: AuthKey) -> Response:
    mapping.log_unknown_fields(body, "uploads/audio-url")
    from songsmith.services.upload_job import submit_upload

    # The SSRF guard runs now (malformed, not http(s), blocked address: 400 at submit); size,
    # duration and decoding failures show later as FAILURE of the task (same id as the clip).
    state = app_state(request)
    clip_id = submit_upload(state.submit, key, body.url, mapping.raw_request(body))
    return _json(mapping.envelope(clip_id))


def _persona(body: PersonaCreateBody, request: Request, key: ApiKey) -> Response:
    from songsmith.api.suno.persona_wire import persona_to_wire

    mapping.log_unknown_fields(body, "persona/create")
    state = app_state(request)
    persona, root, clips = persona_service.create_persona(
        state.store,
        state.blobs,
        key,
        root_clip_id=body.root_clip_id,
        clip_ids=body.clips,
        name=body.name,
        description=body.description,
        is_public=body.is_public,
    )
    return _json(persona_to_wire(persona, root, clips, _blob_url(state)))


@router.post("/persona/create", summary="Create a persona (raw persona object)")
def persona_create(body: PersonaCreateBody, request: Request, key: AuthKey) -> Response:
    return _persona(body, request, key)


@router.post("/persona/create/", include_in_schema=False)
def persona_create_slash(body: PersonaCreateBody, request: Request, key: AuthKey) -> Response:
    return _persona(body, request, key)


@router.get("/fetch/{task_id}", response_model=TaskEnvelope, summary="Fetch one task")
async def fetch_one(task_id: str, request: Request, credentials: BearerCredentials) -> Response:
    def render() -> bytes:
        key = current_key(request, credentials)
        state = app_state(request)
        view = fetch_service.fetch_task(state.store, key.id, task_id)
        wire = mapping.task_to_wire(view.task, view.clips, _blob_url(state))
        return _json_bytes(mapping.envelope(wire))

    return await _off_loop(render)


@router.post("/fetch", response_model=TaskListEnvelope, summary="Fetch many tasks")
async def fetch_many(body: FetchBody, request: Request, credentials: BearerCredentials) -> Response:
    def render() -> bytes:
        key = current_key(request, credentials)
        mapping.log_unknown_fields(body, "fetch")
        state = app_state(request)
        views = fetch_service.fetch_tasks(state.store, key.id, body.ids or [])
        url = _blob_url(state)
        return _json_bytes(
            mapping.envelope([mapping.task_to_wire(v.task, v.clips, url) for v in views])
        )

    return await _off_loop(render)


@router.get("/act/timing/{clip_id}", response_model=TimingObject, summary="Word timings")
def act_timing(clip_id: str, request: Request, key: AuthKey) -> Response:
    state = app_state(request)
    clip = fetch_service.complete_clip(state.store, key.id, clip_id)
    return _json(timing_of(state.store, state.blobs, clip))


def _act(request: Request, key: ApiKey, clip_id: str, use_case: Any) -> Response:
    """A complete clip of this key through one of services/act.py's use cases."""
    state = app_state(request)
    clip = fetch_service.complete_clip(state.store, key.id, clip_id)
    return _json(use_case(state.store, state.blobs, state.queue, clip, state.settings))


@router.get("/act/wav/{clip_id}", summary="WAV of a clip")
def act_wav(clip_id: str, request: Request, key: AuthKey) -> Response:
    from songsmith.services.act import wav_for_clip

    return _act(request, key, clip_id, wav_for_clip)


@router.get("/act/mp4/{clip_id}", summary="MP4 video of a clip")
def act_mp4(clip_id: str, request: Request, key: AuthKey) -> Response:
    from songsmith.services.act import mp4_for_clip

    return _act(request, key, clip_id, mp4_for_clip)


@router.get("/act/midi/{clip_id}", summary="MIDI of a clip")
def act_midi(clip_id: str, request: Request, key: AuthKey) -> Response:
    from songsmith.services.act import midi_for_clip

    return _act(request, key, clip_id, midi_for_clip)
