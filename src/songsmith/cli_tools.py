"""`songsmith render` and `songsmith eval`: the engines without the server."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer


def render(
    tags: Annotated[str, typer.Option(help="Style tags, e.g. 'synthwave, female vocals'.")] = "",
    lyrics: Annotated[
        Path | None, typer.Option(help="Lyrics file ([Verse]/[Chorus] markers optional).")
    ] = None,
    title: Annotated[str, typer.Option(help="Song title.")] = "",
    seed: Annotated[int, typer.Option(help="Same seed, same bytes.")] = 0,
    vocal_gender: Annotated[
        str | None, typer.Option("--vocal-gender", help="f or m (default: chosen per seed).")
    ] = None,
    negative_tags: Annotated[str, typer.Option(help="Instruments/genres to avoid.")] = "",
    out: Annotated[Path, typer.Option(help="Folder for the files.")] = Path("./render"),
    engine: Annotated[str, typer.Option(help="builtin or acestep.")] = "builtin",
    preset: Annotated[str, typer.Option(help="Engine preset (acestep: default, debug...).")] = (
        "default"
    ),
    model_path: Annotated[
        str | None, typer.Option(help="ACE-Step checkpoint folder or Hugging Face repo id.")
    ] = None,
    max_duration: Annotated[float, typer.Option(help="Cap on the song's length (s).")] = 480.0,
) -> None:
    """Render one song to a folder: mp3, wav, stems, MIDI, timings and metadata JSON."""
    from songsmith.engines.builtin.commands import render_to_dir
    from songsmith.engines.typing import Engine

    if vocal_gender not in (None, "f", "m"):
        raise typer.BadParameter("--vocal-gender must be f or m")
    text = lyrics.read_text(encoding="utf-8") if lyrics is not None else ""
    chosen: Engine | None = None
    if engine == "acestep":
        from songsmith.engines.acestep.engine import AceStepEngine

        chosen = AceStepEngine(preset, model_path)
    elif engine != "builtin":
        raise typer.BadParameter(f"unknown engine {engine!r}: builtin or acestep")
    result = render_to_dir(
        tags,
        text,
        title,
        seed,
        vocal_gender,
        out,
        negative_tags=negative_tags,
        max_duration_s=max_duration,
        engine=chosen,
    )
    typer.echo(json.dumps(result, indent=1, ensure_ascii=False, default=str))


def evaluate(
    limit: Annotated[int | None, typer.Option(help="Only the first N requests.")] = None,
    seconds: Annotated[float | None, typer.Option(help="Cap every song's length (s).")] = None,
    no_pitch: Annotated[bool, typer.Option("--no-pitch", help="Skip the pyin pass.")] = False,
) -> None:
    """Render the fixed, seeded evaluation set and print the quality.md table."""
    from songsmith.evaluation.runner import run_evaluation

    run_evaluation(sys.stdout, limit=limit, pitch=not no_pitch, max_duration_s=seconds)


def register(app: typer.Typer) -> None:
    app.command()(render)
    app.command("eval")(evaluate)
