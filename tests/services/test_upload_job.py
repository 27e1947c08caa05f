"""The upload job's storage step and the upload submit: real store, blobs, codecs, analysis."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from media_job_helpers import Env, make_env

from songsmith.domain.errors import InvalidRequest
from songsmith.domain.models import ApiKey
from songsmith.media.codecs import decode_audio
from songsmith.services.submit import SubmitContext
from songsmith.services.upload_job import submit_upload, upload_artifacts, upload_title


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    environment = make_env(tmp_path)
    yield environment
    environment.close()


def test_titles_come_from_the_file_name() -> None:
    assert upload_title("https://x.example/music/My%20Song_v2.mp3?sig=1") == "My Song v2"
    assert upload_title("https://x.example/") == "Upload"


def test_upload_artifacts_keep_the_audio_and_store_its_analysis(env: Env) -> None:
    rate = 44100
    t = np.arange(4 * rate) / rate
    clicks = (np.sin(2 * np.pi * 2 * t) > 0.995).astype(np.float64)  # 120 bpm pulses
    mono = 0.2 * np.sin(2 * np.pi * 220 * t) + 0.5 * clicks
    audio = np.stack([mono, mono], axis=1).astype(np.float32)
    artifacts, metadata = upload_artifacts(env.blobs, audio, rate, title="Take", seed=3)
    assert set(artifacts) == {"mp3", "image", "image_large", "analysis", "timing"}
    heard, heard_rate = decode_audio(env.blobs.read_bytes(artifacts["mp3"]), {"mp3"})
    assert heard_rate == rate and abs(len(heard) - len(audio)) < rate // 100
    n = min(len(heard), len(audio))
    assert np.corrcoef(heard[:n, 0], audio[:n, 0])[0, 1] > 0.95  # not re-mastered
    analysis = json.loads(env.blobs.read_bytes(artifacts["analysis"]))
    assert metadata["type"] == "upload" and metadata["duration"] == 4.0
    assert metadata["analysis"]["key"] == analysis["key"] and analysis["beats"]
    timing = json.loads(env.blobs.read_bytes(artifacts["timing"]))
    assert timing["aligned_words"] == [] and max(timing["waveform_data"]) == 1.0


def test_a_refused_url_is_a_400_and_stores_nothing(env: Env) -> None:
    ctx = SubmitContext(env.store, env.queue, env.settings, lambda _name: None, env.blobs)
    key = ApiKey(
        "key_media", "k", "0" * 64, "secret", created_at=__import__("datetime").datetime.now()
    )
    for url in ("file:///etc/passwd", "http://127.0.0.1/a.mp3", "http://169.254.169.254/x"):
        with pytest.raises(InvalidRequest):
            submit_upload(ctx, key, url, {"url": url})
    assert env.store.count_open_tasks("key_media") == 0
    assert sum(env.queue.depth().values()) == 0
