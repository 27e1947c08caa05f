"""Persona creation (suno-wire.md 4.4): validate the clips, profile the root clip, store it."""

from __future__ import annotations

from songsmith.blobs.typing import BlobStore
from songsmith.domain.models import ApiKey, Clip, Persona
from songsmith.services.persona_profile import build_persona
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
    """(persona, root clip, persona clips). Unknown or foreign clips: `clip_not_exist` (S2); a
    root clip still generating: `clip_not_ready`; an uploaded root: `clip_not_exist`."""
    return build_persona(
        store,
        blobs,
        key,
        root_clip_id=root_clip_id,
        clip_ids=clip_ids,
        name=name,
        description=description,
        is_public=is_public,
    )
