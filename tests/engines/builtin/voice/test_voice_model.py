from __future__ import annotations

import numpy as np
import pytest

from songsmith.engines.builtin.voice import model as singer_model
from songsmith.engines.builtin.voice.graph_output import with_extra_output


def test_the_model_exposes_per_phoneme_durations_that_tile_its_frames() -> None:
    model = singer_model.load_singer_model()
    ids = model.ids("wˈɔkɪŋ ɪn ðə ɹˈAn")
    acoustics = model.run(ids)
    assert len(acoustics.token_start_frame) == len(ids) + 3  # pads on both ends, plus the end
    grid_end = acoustics.token_start_frame[-1] + singer_model.ACOUSTIC_LEAD_FRAMES
    assert grid_end == pytest.approx(acoustics.frames)  # durations x 2 frames = the spectra
    assert np.all(np.diff(acoustics.token_start_frame) >= 0)
    assert acoustics.lh.shape == (601, acoustics.frames)


def test_the_model_runs_deterministically() -> None:
    model = singer_model.load_singer_model()
    ids = model.ids("həlˈO")
    first, second = model.run(ids), model.run(ids)
    assert np.array_equal(first.lh, second.lh)
    assert np.array_equal(first.token_start_frame, second.token_start_frame)


def test_a_different_model_file_is_refused_with_a_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(singer_model, "HIBARI_MODEL_SHA256", "0" * 64)
    singer_model.load_singer_model.cache_clear()
    try:
        with pytest.raises(singer_model.SingerModelError, match="sha256"):
            singer_model.load_singer_model()
    finally:
        singer_model.load_singer_model.cache_clear()


def test_adding_an_output_needs_the_tensor_to_exist() -> None:
    with pytest.raises(ValueError, match="no tensor named"):
        with_extra_output(b"\x3a\x00", "/Missing_output_0")
