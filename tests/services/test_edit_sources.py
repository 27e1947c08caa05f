"""What a follow-up inherits from its source clip (override_fields rules, suno-wire.md 3)."""

from __future__ import annotations

from datetime import UTC, datetime

from songsmith.domain.models import Clip
from songsmith.domain.request import GenerationRequest
from songsmith.domain.statuses import ClipStatus
from songsmith.services.edit_sources import clip_duration, inherited_request

SOURCE = Clip(
    id="c-1", task_id="t-1", key_id="k-1", index=0, status=ClipStatus.COMPLETE,
    title="City Lights", mv="chirp-v4", created_at=datetime.now(UTC),
    metadata={"tags": "emotional punk", "negative_tags": "dance", "duration": 31.5},
)  # fmt: skip


def test_absent_fields_are_inherited_and_present_ones_win() -> None:
    req = GenerationRequest(raw={}, tags="heavy metal")
    assert inherited_request(req, SOURCE) == {"negative_tags": "dance", "title": "City Lights"}


def test_override_fields_name_exactly_what_the_request_replaces() -> None:
    req = GenerationRequest(raw={}, tags="rap", title="New", override_fields=["tags"])
    # "title" is in the request but not named: the source's title stays
    assert inherited_request(req, SOURCE) == {"negative_tags": "dance", "title": "City Lights"}
    assert inherited_request(req, None) == {}
    assert clip_duration(SOURCE) == 31.5
