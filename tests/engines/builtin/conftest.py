"""Fixtures for the composer's tests: a lyric sheet, jobs and compositions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from songsmith.domain.statuses import Mode
from songsmith.engines.builtin.compose import Composition, compose
from songsmith.engines.typing import GenerationJob

SONG_LYRICS = """[Verse 1]
I walked along the river in the morning light
The city still asleep beneath a silver sky
I counted every window, every fading star
And wondered if you're waking up wherever you are

[Pre-Chorus]
And the road keeps calling out my name

[Chorus]
Hold on, hold on, we're running out of time
Hold on, hold on, the stars will be aligned
We'll dance until the morning sets the sky on fire
Hold on, hold on, we're running out of time

[Verse 2]
Every little word you said is written on my mind
Every little promise like a letter left behind

[Chorus]
Hold on, hold on, we're running out of time
Hold on, hold on, the stars will be aligned
We'll dance until the morning sets the sky on fire
Hold on, hold on, we're running out of time

[Bridge]
If the night is long, I'll be your light
If the world goes wrong, we'll be alright

[Chorus]
Hold on, hold on, we're running out of time
Hold on, hold on, the stars will be aligned
We'll dance until the morning sets the sky on fire
Hold on, hold on, we're running out of time

[Outro]
Running out of time
"""

UNMARKED_LYRICS = """Paper boats on a rainy street
Sailing off where the rivers meet
Little captains with muddy feet

Oh the rain, the rain, it sings to me
Oh the rain, the rain, it sets me free

Windows fogged with a secret name
Every puddle a picture frame
Nothing here will ever be the same

Oh the rain, the rain, it sings to me
Oh the rain, the rain, it sets me free
"""


def make_job(**overrides: Any) -> GenerationJob:
    values: dict[str, Any] = {
        "mode": Mode.CUSTOM,
        "seed": 11,
        "max_duration_s": 240.0,
        "lyrics": SONG_LYRICS,
        "tags": "pop",
    }
    values.update(overrides)
    return GenerationJob(**values)


@pytest.fixture
def composed() -> Callable[..., Composition]:
    def build(**overrides: Any) -> Composition:
        return compose(make_job(**overrides))

    return build
