"""The request set covers what quality.md asks for, and is fixed."""

from __future__ import annotations

from songsmith.engines.builtin.genres import FAMILIES
from songsmith.engines.builtin.plan import plan_song
from songsmith.evaluation.metrics import lyric_markers
from songsmith.evaluation.requests import evaluation_requests
from songsmith.phonetics import detect_language


def test_at_least_forty_unique_requests() -> None:
    requests = evaluation_requests()
    assert len(requests) >= 40
    assert len({r.label for r in requests}) == len(requests)
    assert len({r.seed for r in requests}) == len(requests)
    assert evaluation_requests() == requests  # fixed: same list every call


def test_every_family_selected_with_both_voices() -> None:
    voices: dict[str, set[str]] = {}
    for request in evaluation_requests():
        plan = plan_song(
            request.tags,
            request.negative_tags,
            seed=request.seed,
            vocal_gender=request.vocal_gender,
        )
        assert plan.family.name == request.family, request.label
        if request.sung and request.vocal_gender:
            voices.setdefault(plan.family.name, set()).add(request.vocal_gender)
    assert {f.name for f in FAMILIES} <= set(voices)
    assert all(v == {"f", "m"} for v in voices.values())


def test_special_cases_present() -> None:
    requests = evaluation_requests()
    assert any(r.instrumental for r in requests)
    assert any(not r.instrumental and not r.lyrics.strip() for r in requests)  # empty prompt
    assert any(r.sung and not lyric_markers(r.lyrics) for r in requests)  # no markers
    assert any(r.named for r in requests) and any(r.banned or r.drums_banned for r in requests)
    sung = [r for r in requests if r.sung]
    assert min(len(r.lyrics.split()) for r in sung) <= 3  # very short
    assert max(len(r.lyrics.split()) for r in sung) >= 300  # very long: the cap applies
    languages = {detect_language(r.lyrics) for r in sung}
    assert len(languages - {"en"}) >= 2
