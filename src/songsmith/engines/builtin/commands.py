"""Plain functions behind `songsmith render` (the CLI wires them; no server involved)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from songsmith.domain.statuses import Mode
from songsmith.engines.typing import Engine, GenerationJob

RENDER_MAX_DURATION_S = 480.0


def render_to_dir(
    tags: str,
    lyrics: str,
    title: str,
    seed: int,
    vocal_gender: str | None,
    out_dir: str | Path,
    *,
    negative_tags: str = "",
    max_duration_s: float = RENDER_MAX_DURATION_S,
    engine: Engine | None = None,
) -> dict[str, Any]:
    """Compose, render, sing, mix and master one song into `out_dir`.

    `engine` defaults to the built-in one; any Engine works (e.g. ACE-Step's debug preset).
    Writes song.mp3, song.wav, stems/<group>.wav (mastered with the mix's gain), song.mid,
    timings.json (words with start/end seconds), score.json and metadata.json. Returns the
    metadata plus the paths written and the master's loudness figures.
    """
    from songsmith.engines.builtin.engine import BuiltinEngine
    from songsmith.media.codecs import encode_wav
    from songsmith.media.master import master
    from songsmith.media.midi import score_to_midi

    out = Path(out_dir)
    (out / "stems").mkdir(parents=True, exist_ok=True)
    instrumental = not lyrics.strip()
    job = GenerationJob(
        mode=Mode.INSTRUMENTAL if instrumental else Mode.CUSTOM,
        seed=seed,
        max_duration_s=max_duration_s,
        lyrics=lyrics,
        tags=tags,
        negative_tags=negative_tags,
        title=title,
        instrumental=instrumental,
        vocal_gender=vocal_gender,
    )
    song = (engine or BuiltinEngine()).generate(job, lambda _done, _total: None)
    mastered = master(song.mix, song.stems, song.sample_rate, in_place=True)

    files: dict[str, str] = {}

    def write(name: str, data: bytes | str) -> None:
        path = out / name
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_bytes(data)
        files[name] = str(path)

    write("song.mp3", mastered.mp3)
    write("song.wav", encode_wav(mastered.mix, mastered.sample_rate))
    for group, stem in sorted(mastered.stems.items()):
        write(f"stems/{group}.wav", encode_wav(stem, mastered.sample_rate))
    if song.score is not None:
        write("song.mid", score_to_midi(song.score))
        write("score.json", json.dumps(song.score.to_dict(), ensure_ascii=False))
    timings = [{"word": w.word, "start_s": w.start_s, "end_s": w.end_s} for w in song.words]
    write("timings.json", json.dumps(timings, ensure_ascii=False, indent=1))
    result = dict(song.metadata)
    result.update(
        title=title,
        duration_s=round(len(mastered.mix) / mastered.sample_rate, 3),
        lufs=round(mastered.lufs, 2),
        true_peak_db=round(mastered.true_peak_db, 2),
    )
    write("metadata.json", json.dumps(result, ensure_ascii=False, indent=1))
    result["files"] = files
    return result
