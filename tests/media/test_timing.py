from __future__ import annotations

import json

from songsmith.engines.score import WordTiming
from songsmith.media.timing import timing_object


def test_timing_object_matches_the_wire_shape() -> None:
    words = [WordTiming("[Verse]\nWalking ", 1.0, 1.4), WordTiming("home", 1.4, 1.98765)]
    timing = timing_object(words, [0.0, 0.5, 1.0])
    assert list(timing) == ["aligned_words", "waveform_data", "hoot_cer", "is_streamed"]
    assert timing["aligned_words"] == [
        {
            "word": "[Verse]\nWalking ",
            "success": True,
            "start_s": 1.0,
            "end_s": 1.4,
            "p_align": 1.0,
        },
        {"word": "home", "success": True, "start_s": 1.4, "end_s": 1.988, "p_align": 1.0},
    ]
    assert timing["waveform_data"] == [0.0, 0.5, 1.0]
    assert timing["hoot_cer"] == 0.0 and timing["is_streamed"] is False
    json.dumps(timing)  # plain JSON types only
