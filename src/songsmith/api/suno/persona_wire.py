"""The persona object (suno-wire.md 4.4) from a domain `Persona` and its clips."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from songsmith.api.suno.mapping import BlobUrl, clip_to_wire
from songsmith.domain.models import Clip, Persona


def persona_to_wire(
    persona: Persona, root: Clip, clips: Sequence[Clip], blob_url: BlobUrl
) -> dict[str, Any]:
    root_wire = clip_to_wire(root, blob_url)
    return {
        "id": persona.id,
        "name": persona.name,
        "description": persona.description,
        "root_clip_id": persona.root_clip_id,
        "clip": root_wire,
        "persona_clips": [{"clip": clip_to_wire(c, blob_url)} for c in clips],
        "image_s3_id": root_wire["image_large_url"] or root_wire["image_url"],
        "is_public": persona.is_public,
        "is_owned": True,
        "user_display_name": root_wire["display_name"],
        "user_handle": root_wire["handle"],
        "upvote_count": 0,
        "follower_count": 0,
    }
