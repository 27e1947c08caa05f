"""The `mv` values songsmith accepts and what clips report for them (suno-wire.md section 3)."""

from __future__ import annotations

from dataclasses import dataclass

from songsmith.domain.errors import InvalidModelVersion


@dataclass(frozen=True)
class ModelVersion:
    mv: str
    model_name: str
    major_model_version: str
    max_duration_s: float
    prompt_limit: int
    tags_limit: int


def _v(mv: str, name: str, major: str, max_s: float, prompt: int, tags: int) -> ModelVersion:
    return ModelVersion(mv, name, major, max_s, prompt, tags)


MODEL_VERSIONS: dict[str, ModelVersion] = {
    m.mv: m
    for m in (
        _v("chirp-v3-0", "chirp-v3", "v3", 120, 3000, 200),
        _v("chirp-v3.0", "chirp-v3", "v3", 120, 3000, 200),
        _v("chirp-v3-5", "chirp-v3", "v3.5", 120, 3000, 200),
        _v("chirp-v3-5-tau", "chirp-v3", "v3.5", 120, 3000, 200),
        _v("chirp-v3-5-upload", "chirp-v3", "v3.5", 120, 3000, 200),
        _v("chirp-v4", "chirp-v4", "v4", 150, 3000, 200),
        _v("chirp-v4-tau", "chirp-v4", "v4", 150, 3000, 200),
        _v("chirp-v4-upload", "chirp-v4", "v4", 150, 3000, 200),
        _v("chirp-auk", "chirp-auk", "v4.5", 240, 5000, 1000),
        _v("chirp-auk-turbo", "chirp-auk-turbo", "v4.5", 240, 5000, 1000),
        _v("chirp-auk-upload", "chirp-auk", "v4.5", 240, 5000, 1000),
        _v("chirp-bluejay", "chirp-bluejay", "v4.5+", 480, 5000, 1000),
        _v("chirp-crow", "chirp-crow", "v5", 480, 5000, 1000),
        _v("chirp-fenix", "chirp-fenix", "v5.5", 480, 5000, 1000),
    )
}

DEFAULT_MV = "chirp-auk"


def model_version(mv: str | None, default: str = DEFAULT_MV) -> ModelVersion:
    """Look up `mv` (None -> default); unknown values raise `InvalidModelVersion`."""
    name = default if mv is None or mv == "" else mv
    try:
        return MODEL_VERSIONS[name]
    except KeyError:
        raise InvalidModelVersion(
            f"Unknown model version mv={name!r}; known: {', '.join(sorted(MODEL_VERSIONS))}."
        ) from None
