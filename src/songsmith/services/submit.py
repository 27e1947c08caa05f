"""Submit use cases: validate everything possible, store the task, then enqueue its jobs.

The task row and its clips are written before the id is returned (reliability-security.md, rule
1); the queue only wakes workers. Anything a client got wrong is a 400 now, never a FAILURE later.
"""

from __future__ import annotations

import logging
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from songsmith.blobs.typing import BlobStore
from songsmith.config import Settings
from songsmith.domain.errors import (
    ClipNotExist,
    InvalidRequest,
    NotSupported,
    PromptEmpty,
    RateLimited,
    TaskNotExist,
    Unavailable,
)
from songsmith.domain.model_versions import model_version
from songsmith.domain.models import ApiKey, Clip, Task
from songsmith.domain.request import (
    GenerationRequest,
    derive_title,
    is_http_url,
    resolve_mode,
    validate_for_mode,
    vocal_gender_of,
)
from songsmith.domain.statuses import CLIP_TYPE_BY_MODE, Action, ClipStatus, Mode, TaskStatus
from songsmith.engines.typing import EngineCapabilities
from songsmith.queue.typing import JobSpec, Queue
from songsmith.services.edit_sources import EDIT_MODES, check_edit_source, inherited_request
from songsmith.store.typing import Store

log = logging.getLogger("songsmith.services.submit")

CLIPS_PER_GENERATION = 2
LYRICS_QUEUE = "lyrics"
# Modes this build accepts; the others answer 400 not_supported until their capability lands.
AVAILABLE_MODES: frozenset[Mode] = frozenset(
    {Mode.CUSTOM, Mode.INSTRUMENTAL, Mode.INSPIRATION} | EDIT_MODES
)

CapabilitiesLookup = Callable[[str], EngineCapabilities | None]  # engine name -> capabilities


@dataclass
class SubmitContext:
    """What the submit use cases need, built once by the app factory."""

    store: Store
    queue: Queue
    settings: Settings
    capabilities: CapabilitiesLookup
    blobs: BlobStore | None = None  # gen_stem reads the source's stems to plan its clips


def _now_s() -> int:
    return int(time.time())


def check_queue_cap(ctx: SubmitContext, key: ApiKey) -> None:
    cap = ctx.settings.queue_cap_per_key
    if cap > 0 and ctx.store.count_open_tasks(key.id) >= cap:
        raise RateLimited(
            f"This key already has {cap} unfinished tasks; wait for some to finish.",
            retry_after_s=5,
        )


def _check_references(ctx: SubmitContext, key: ApiKey, req: GenerationRequest) -> None:
    """Ids of other keys answer exactly like ids that do not exist (S2)."""
    if req.task_id and ctx.store.get_task(req.task_id, key.id) is None:
        raise TaskNotExist(f"Task {req.task_id!r} does not exist.")
    for name, clip_id in req.referenced_clip_ids():
        if ctx.store.get_clip(clip_id, key.id) is None:
            raise ClipNotExist(f"Clip {clip_id!r} (field {name!r}) does not exist.")
    if req.persona_id and ctx.store.get_persona(req.persona_id, key.id) is None:
        raise ClipNotExist(f"Persona {req.persona_id!r} does not exist.")


def _check_engine(ctx: SubmitContext, engine: str, mode: Mode) -> None:
    caps = ctx.capabilities(engine)
    if caps is None:
        raise NotSupported(f"The engine {engine!r} configured for this model is not available.")
    if mode not in caps.modes:
        raise NotSupported(f"The engine {engine!r} does not support mode {mode.value!r} yet.")


def _enqueue_all(ctx: SubmitContext, task: Task, specs: list[JobSpec]) -> None:
    try:
        for spec in specs:
            ctx.queue.enqueue(spec)
    except Exception as exc:
        # The row exists but no worker will ever see it: fail it now rather than strand it.
        log.exception("enqueue failed for task %s", task.id)
        ctx.store.set_task_status(task.id, TaskStatus.FAILURE, fail_reason="Could not enqueue.")
        raise Unavailable("The job queue is unavailable; try again shortly.") from exc


enqueue_all = _enqueue_all  # shared with the other submit use cases (stems, uploads)


def submit_music(ctx: SubmitContext, key: ApiKey, req: GenerationRequest) -> str:
    """Validate, store the task with its clips, enqueue one `generate` job per clip: the task id."""
    mode = resolve_mode(req)
    mv = model_version(req.mv, default=ctx.settings.default_mv)
    validate_for_mode(req, mode, mv)
    _check_references(ctx, key, req)
    if mode is Mode.GEN_STEM and ctx.blobs is not None:
        # Stems are cut from the source's stored audio, not generated: no engine involved.
        from songsmith.services.stems import submit_stems

        return submit_stems(ctx, ctx.blobs, key, req, mv.mv)
    if mode not in AVAILABLE_MODES:
        raise NotSupported(f"Mode {mode.value!r} is not supported yet by this server.")
    engine, preset = ctx.settings.engine_for_mv(mv.mv)
    _check_engine(ctx, engine, mode)
    source = check_edit_source(ctx.store, key.id, req, mode)
    inherited = inherited_request(req, source)
    check_queue_cap(ctx, key)

    task_id = str(uuid.uuid4())
    seed = req.seed if req.seed is not None else secrets.randbelow(2**31 - CLIPS_PER_GENERATION)
    title = str(inherited.get("title") or derive_title(req, mode))
    created = datetime.now(UTC)
    lyrics = "" if mode in (Mode.INSTRUMENTAL, Mode.INSPIRATION) else (req.prompt or "")
    base_metadata: dict[str, Any] = {
        "tags": str(inherited.get("tags") or req.tags or ""),
        "negative_tags": str(inherited.get("negative_tags") or req.negative_tags or ""),
        "prompt": lyrics,
        "gpt_description_prompt": req.gpt_description_prompt or "",
        "type": CLIP_TYPE_BY_MODE.get(mode, "gen"),
        "task": req.task or "",
        "make_instrumental": mode is Mode.INSTRUMENTAL,
        "has_vocal": mode is not Mode.INSTRUMENTAL and not req.make_instrumental,
        "history": [],
        "concat_history": [],
        "infill": False,
        "refund_credits": False,
        "stream": True,
        "engine": engine,
        "vocal_gender": vocal_gender_of(req),
        "control_sliders": req.metadata.get("control_sliders"),
    }
    if source is not None:
        base_metadata["edited_clip_id"] = source.id
    if mode is Mode.ARTIST_CONSISTENCY:
        base_metadata["persona_id"] = req.persona_id
    clips = [
        Clip(
            id=str(uuid.uuid4()),
            task_id=task_id,
            key_id=key.id,
            index=i,
            status=ClipStatus.SUBMITTED,
            title=title,
            mv=mv.mv,
            created_at=created,
            metadata={**base_metadata, "seed": seed + i},
        )
        for i in range(CLIPS_PER_GENERATION)
    ]
    task = Task(
        id=task_id,
        key_id=key.id,
        action=Action.MUSIC,
        mode=mode,
        status=TaskStatus.SUBMITTED,
        submit_time=_now_s(),
        request={**req.raw, **inherited, "seed": seed},
        notify_hook=req.notify_hook or "",
        clip_ids=[c.id for c in clips],
    )
    ctx.store.create_task(task, clips)
    payload = {"mode": mode.value, "mv": mv.mv, "engine": engine, "preset": preset}
    _enqueue_all(ctx, task, _generation_jobs(ctx, task_id, clips, engine, payload))
    return task_id


def _generation_jobs(
    ctx: SubmitContext, task_id: str, clips: list[Clip], engine: str, payload: dict[str, Any]
) -> list[JobSpec]:
    """One job per clip (clips render in parallel on several workers), or one job for all when
    the engine batches them in one call (a GPU denoises both clips of a submit together)."""
    caps = ctx.capabilities(engine)
    if caps is not None and 1 < len(clips) <= caps.batch_size:
        batch = {**payload, "clip_ids": [c.id for c in clips]}
        return [JobSpec(task_id, None, kind="generate_batch", queue=engine, payload=batch)]
    return [
        JobSpec(task_id=task_id, clip_id=c.id, kind="generate", queue=engine, payload=payload)
        for c in clips
    ]


def submit_lyrics(
    ctx: SubmitContext,
    key: ApiKey,
    prompt: str | None,
    notify_hook: str | None,
    raw: dict[str, Any],
) -> str:
    """Store a LYRICS task and enqueue its one `lyrics` job: the task id."""
    if prompt is None or not prompt.strip():
        raise PromptEmpty("Field 'prompt' must not be empty.")
    if len(prompt) > 3000:
        raise InvalidRequest("Field 'prompt' is longer than 3000 characters.")
    if notify_hook and not is_http_url(notify_hook):
        raise InvalidRequest("Field 'notify_hook' must be an absolute http(s) URL.")
    check_queue_cap(ctx, key)
    task = Task(
        id=str(uuid.uuid4()),
        key_id=key.id,
        action=Action.LYRICS,
        mode=Mode.LYRICS,
        status=TaskStatus.SUBMITTED,
        submit_time=_now_s(),
        request=raw,
        notify_hook=notify_hook or "",
    )
    ctx.store.create_task(task, [])
    _enqueue_all(
        ctx, task, [JobSpec(task_id=task.id, clip_id=None, kind="lyrics", queue=LYRICS_QUEUE)]
    )
    return task.id
