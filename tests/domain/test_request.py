"""Mode precedence, seconds parsing, per-mv limits and titles (suno-wire.md section 3)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from songsmith.domain.errors import InvalidRequest
from songsmith.domain.model_versions import model_version
from songsmith.domain.request import (
    GenerationRequest,
    derive_title,
    parse_seconds,
    resolve_mode,
    validate_for_mode,
)
from songsmith.domain.statuses import Mode


def req(**fields: Any) -> GenerationRequest:
    return GenerationRequest(raw=dict(fields), **fields)


@pytest.mark.parametrize(
    ("fields", "mode"),
    [
        ({"task": "extend", "gpt_description_prompt": "x"}, Mode.EXTEND),
        ({"task": "gen_stem"}, Mode.GEN_STEM),
        ({"gpt_description_prompt": "rain", "prompt": "la"}, Mode.INSPIRATION),
        ({"gpt_description_prompt": "  ", "prompt": "la"}, Mode.CUSTOM),
        ({"make_instrumental": True, "prompt": "la", "tags": "x"}, Mode.INSTRUMENTAL),
        ({"prompt": "", "tags": "x"}, Mode.INSTRUMENTAL),
        ({"tags": "x"}, Mode.INSTRUMENTAL),
        ({"prompt": "la", "tags": "x"}, Mode.CUSTOM),
        ({"task": "", "prompt": "la"}, Mode.CUSTOM),
    ],
)
def test_precedence(fields: dict[str, Any], mode: Mode) -> None:
    assert resolve_mode(req(**fields)) is mode


def test_unknown_task_is_invalid() -> None:
    with pytest.raises(InvalidRequest, match="task"):
        resolve_mode(req(task="dance"))


@pytest.mark.parametrize(("value", "seconds"), [(3, 3.0), (2.5, 2.5), ("4", 4.0), (" 1.5 ", 1.5)])
def test_parse_seconds(value: object, seconds: float) -> None:
    assert parse_seconds(value, "continue_at") == seconds


@pytest.mark.parametrize("value", ["soon", "", True, [1], {"a": 1}, -1, "nan", "inf", "-2"])
def test_parse_seconds_rejects(value: object) -> None:
    with pytest.raises(InvalidRequest, match="continue_at"):
        parse_seconds(value, "continue_at")


@given(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20)))
def test_parse_seconds_only_raises_invalid_request(value: object) -> None:
    try:
        result = parse_seconds(value, "f")
    except InvalidRequest:
        return
    assert result is None or result >= 0


def test_limits_per_mv() -> None:
    v35, crow = model_version("chirp-v3-5"), model_version("chirp-crow")
    validate_for_mode(req(prompt="a" * 3000), Mode.CUSTOM, v35)
    with pytest.raises(InvalidRequest, match="prompt"):
        validate_for_mode(req(prompt="a" * 3001), Mode.CUSTOM, v35)
    validate_for_mode(req(prompt="a" * 5000, tags="t" * 1000), Mode.CUSTOM, crow)
    with pytest.raises(InvalidRequest, match="tags"):
        validate_for_mode(req(prompt="a", tags="t" * 201), Mode.CUSTOM, v35)


def test_windows_must_be_ordered() -> None:
    r = req(continue_clip_id="c", infill_start_s=5.0, infill_end_s=5.0)
    with pytest.raises(InvalidRequest, match="infill_end_s"):
        validate_for_mode(r, Mode.INFILL, model_version(None))


def test_titles() -> None:
    assert derive_title(req(title=" Given "), Mode.CUSTOM) == "Given"
    assert derive_title(req(prompt="[Verse]\n\nFirst line\nsecond"), Mode.CUSTOM) == "First line"
    assert derive_title(req(tags="lofi, chill beats"), Mode.INSTRUMENTAL) == "Lofi Chill Beats"
    assert derive_title(req(gpt_description_prompt="x", prompt="p"), Mode.INSPIRATION) == ""
