"""Persona creation (suno-wire.md 4.4). Checks ids now; building voice profiles lands later."""

from __future__ import annotations

from typing import NoReturn

from songsmith.domain.errors import ClipNotExist, NotSupported
from songsmith.domain.models import ApiKey
from songsmith.services.fetch import own_clip
from songsmith.store.typing import Store


def create_persona(
    store: Store, key: ApiKey, *, root_clip_id: str, clip_ids: list[str], name: str
) -> NoReturn:
    """Validate a persona request. Unknown or foreign clips: `clip_not_exist` (S2).

    Until the persona capability (voice and style profiles) lands, a valid request answers a
    clear `not_supported` rather than a persona that would not sound like its root clip.
    """
    root = own_clip(store, key.id, root_clip_id)
    for clip_id in clip_ids:
        own_clip(store, key.id, clip_id)
    if root.metadata.get("type") == "upload":
        raise ClipNotExist(f"Clip {root_clip_id!r} is an upload; a persona needs a generated clip.")
    raise NotSupported(f"Creating personas (requested {name[:40]!r}) is not supported yet.")
