"""Persona creation (suno-wire.md 4.4): validate the clips, profile the root clip, store it."""

from __future__ import annotations

from songsmith.blobs.typing import BlobStore
from songsmith.domain.models import ApiKey, Clip, Persona
from songsmith.engines.score import Score
from songsmith.services.persona_profile import profile_from_clip
from songsmith.store.typing import Store


def create_persona(
    store: Store,
    blobs: BlobStore,
    key: ApiKey,
    *,
    root_clip_id: str,
    clip_ids: list[str],
    name: str,
    description: str = "",
    is_public: bool = False,
) -> tuple[Persona, Clip, list[Clip]]:
    """Validate, profile and store a persona: (persona, its root clip, its clips).

    The root must be a complete, generated clip of this key; every listed clip must be this
    key's (an id of another key answers exactly like an unknown one: `clip_not_exist`, S2); a
    root still generating: `clip_not_ready`; an uploaded root: `clip_not_exist`.
    """
    import json
    import uuid
    from datetime import UTC, datetime

    from songsmith.domain.errors import ClipNotExist
    from songsmith.services.fetch import complete_clip, own_clip

    root = complete_clip(store, key.id, root_clip_id)
    clips = [own_clip(store, key.id, clip_id) for clip_id in clip_ids]
    if root.metadata.get("type") == "upload":
        raise ClipNotExist(f"Clip {root_clip_id!r} is an upload; a persona needs a generated clip.")
    score = None
    if "score" in root.artifacts:
        score = Score.from_dict(json.loads(b"".join(blobs.read(root.artifacts["score"]))))
    persona = Persona(
        id=str(uuid.uuid4()),
        key_id=key.id,
        name=name,
        description=description,
        root_clip_id=root.id,
        clip_ids=[c.id for c in clips] or [root.id],
        is_public=is_public,
        created_at=datetime.now(UTC),
        profile=profile_from_clip(root, score),
    )
    persona.profile["persona_id"] = persona.id
    store.create_persona(persona)
    return persona, root, clips or [root]
