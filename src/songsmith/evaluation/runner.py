"""Render the request set, measure every song, print the table (`songsmith eval`)."""

from __future__ import annotations

import hashlib
import os
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from songsmith.evaluation import metrics
from songsmith.evaluation.requests import FAMILY_TAGS, EvalRequest, evaluation_requests

if TYPE_CHECKING:
    from songsmith.engines.builtin.compose import Composition
    from songsmith.engines.builtin.engine import BuiltinEngine
    from songsmith.engines.typing import GenerationJob, Song
    from songsmith.media.master import Mastered

DETERMINISM_CHECKS = 2  # the first N requests are rendered a second time and compared
FAMILY_SEEDS = 4  # seeds per family for the tempo-range / program profile


def make_job(
    request: EvalRequest, seed: int | None = None, max_duration_s: float | None = None
) -> GenerationJob:
    from songsmith.domain.statuses import Mode
    from songsmith.engines.typing import GenerationJob

    instrumental = request.instrumental or not request.lyrics.strip()
    return GenerationJob(
        mode=Mode.INSTRUMENTAL if instrumental else Mode.CUSTOM,
        seed=request.seed if seed is None else seed,
        max_duration_s=min(request.max_duration_s, max_duration_s or request.max_duration_s),
        lyrics=request.lyrics,
        tags=request.tags,
        negative_tags=request.negative_tags,
        instrumental=request.instrumental,
        vocal_gender=request.vocal_gender,
    )


@dataclass
class Rendered:
    """One request rendered and mastered, with CPU seconds per stage."""

    request: EvalRequest
    composition: Composition
    song: Song
    mastered: Mastered
    stage_cpu: dict[str, float]  # engine stages plus "master+mp3"

    @property
    def duration_s(self) -> float:
        return len(self.song.mix) / self.song.sample_rate

    def fingerprint(self) -> str:
        digest = hashlib.sha256(self.song.mix.tobytes())
        for name in sorted(self.song.stems):
            digest.update(name.encode())
            digest.update(self.song.stems[name].tobytes())
        digest.update(self.mastered.mp3)
        return digest.hexdigest()


def render(
    engine: BuiltinEngine, request: EvalRequest, max_duration_s: float | None = None
) -> Rendered:
    from songsmith.engines.builtin.compose import compose
    from songsmith.engines.builtin.engine import STAGES
    from songsmith.media.master import master

    job = make_job(request, max_duration_s=max_duration_s)
    marks: list[tuple[int, float]] = []
    start = time.process_time()

    def progress(done: int, _total: int) -> None:
        marks.append((done, time.process_time()))

    song = engine.generate(job, progress)
    engine_done = time.process_time()
    mastered = master(song.mix, song.stems, song.sample_rate)
    stage_cpu: dict[str, float] = {}
    previous = start
    for done, at in marks:
        name = STAGES[done - 1]
        stage_cpu[name] = stage_cpu.get(name, 0.0) + at - previous
        previous = at
    stage_cpu["master+mp3"] = time.process_time() - engine_done
    return Rendered(request, compose(job), song, mastered, stage_cpu)


def measure(rendered: Rendered, *, pitch: bool = True) -> dict[str, Any]:
    """Every per-song metric of quality.md as one row (figures and pass flags)."""
    request, song, composition = rendered.request, rendered.song, rendered.composition
    score = song.score
    assert score is not None  # the built-in engine always composes
    rate = song.sample_rate
    duration = rendered.duration_s
    language = composition.language
    row: dict[str, Any] = {
        "label": request.label,
        "family": composition.plan.genre,
        "voice": song.metadata.get("vocal_gender") or "-",
        "language": language,
        "seconds": round(duration, 1),
        "cpu_per_min": round(sum(rendered.stage_cpu.values()) / duration * 60, 2),
        "stage_cpu": {k: round(v, 3) for k, v in rendered.stage_cpu.items()},
    }
    sung_lines = [line for s in composition.form.sections for line in s.lines]
    lead = [n for t in score.tracks if t.name == "lead_vocal" for n in t.notes]
    row["has_vocal"] = bool(lead)
    capped = any("cap" in note for note in song.metadata.get("notes", []))
    if request.sung:
        row["lines_ok"] = metrics.all_lines_sung(request.lyrics, sung_lines, capped=capped)
        syllables = metrics.syllables_sung(lead, sung_lines, language)
        row["syllables"] = f"{syllables.sung}/{syllables.expected}"
        row["syllables_ok"] = syllables.ok
        timings = metrics.word_timings(song.words, sung_lines, duration, language)
        row["words_missing"] = len(timings.missing)
        row["words_ok"] = timings.ok
        if pitch and "vocals" in song.stems:
            result = metrics.vocal_pitch(song.stems["vocals"], rate, lead)
            row["pitch_notes"] = result.notes_measured
            row["pitch_median_c"] = round(result.median_abs_cents, 1)
            row["pitch_within50"] = round(result.within_share * 100, 1)
            row["pitch_ok"] = result.ok
        if metrics.lyric_markers(request.lyrics):
            structure = metrics.structure(
                score, request.lyrics, sung_lines, language, capped=capped
            )
        else:  # no markers: only the repeated-line melody half applies
            structure = metrics.structure(score, "", sung_lines, language)
        row["repeats_reused"] = f"{structure.reused_melody}/{structure.repeated_lines}"
        row["structure_ok"] = structure.ok
    balance = metrics.vocal_balance(song.stems, rate, metrics.sung_spans(score))
    if balance.sung_db:
        row["balance_db"] = f"{min(balance.sung_db):+.1f}..{max(balance.sung_db):+.1f}"
        row["balance_ok"] = balance.balance_ok
    if balance.unsung_dbfs:
        row["unsung_dbfs"] = round(max(balance.unsung_dbfs), 1)
        row["silence_ok"] = balance.silence_ok
    residual = metrics.stems_residual_db(song.mix, song.stems)
    row["stems_db"] = round(residual, 1)
    row["stems_ok"] = residual <= metrics.STEMS_RESIDUAL_DB
    tempo = metrics.tempo(song.mix, rate, score.bpm)
    row["bpm"] = f"{score.bpm:.0f}/{tempo.measured_bpm:.0f}"
    row["tempo_ok"] = tempo.ok
    key = metrics.key(song.mix, rate, score.key)
    row["key"] = f"{score.key}/{key.measured_key}"
    row["key_ok"] = key.ok
    loud = metrics.loudness_of_mp3(rendered.mastered.mp3)
    row["lufs"] = round(loud.lufs, 2)
    row["true_peak"] = round(loud.true_peak_dbtp, 2)
    row["loudness_ok"] = loud.ok
    if request.named or request.banned or request.drums_banned:
        tags = metrics.tags_followed(
            score, request.named, request.banned, drums_banned=request.drums_banned
        )
        row["tags_ok"] = tags.ok
        row["tags_wrong"] = ",".join(tags.missing + tags.present_banned) or "-"
    return row


def variety(requests: list[EvalRequest]) -> list[tuple[str, float]]:
    """Melody edit ratio between the two clips of one submit (seeds s and s + 1); compose only."""
    from songsmith.engines.builtin.compose import compose

    ratios = []
    for request in requests:
        if not request.sung:
            continue
        a, b = (compose(make_job(request, request.seed + k)).score for k in (0, 1))
        ratios.append(
            (
                request.label,
                metrics.edit_ratio(metrics.melody_pitches(a), metrics.melody_pitches(b)),
            )
        )
    return ratios


def family_profiles(seeds: int = FAMILY_SEEDS) -> list[metrics.FamilyProfile]:
    """Observed tempo range and pitched programs of each family over a few seeds; compose only."""
    from songsmith.engines.builtin.compose import compose
    from songsmith.evaluation.requests import LYRICS_MARKED

    profiles = []
    for family, tags in FAMILY_TAGS:
        bpms, programs = [], set()
        for seed in range(seeds):
            request = EvalRequest(family, tags, LYRICS_MARKED, 5000 + seed)
            score = compose(make_job(request)).score
            bpms.append(score.bpm)
            programs |= {t.program for t in score.tracks if t.notes and not t.is_drum}
        programs.discard(52)  # the lead-vocal track's nominal program is not an instrument
        profiles.append(metrics.FamilyProfile(family, (min(bpms), max(bpms)), frozenset(programs)))
    return profiles


def _share(rows: list[dict[str, Any]], key: str) -> str:
    values = [bool(r[key]) for r in rows if key in r]
    return f"{sum(values)}/{len(values)}" if values else "-"


def summarise(
    rows: list[dict[str, Any]], checks: SetChecks | None, *, own_rss: bool = True
) -> dict[str, Any]:
    """The bars over `rows`; `own_rss`: this process rendered them (not a merge of shards)."""
    ratios = checks.ratios if checks else []
    profiles = checks.profiles if checks else []
    deterministic = checks.deterministic if checks else []
    pitch = [r["pitch_median_c"] for r in rows if "pitch_median_c" in r]
    within = [r["pitch_within50"] for r in rows if "pitch_within50" in r]
    cpu = [r["cpu_per_min"] for r in rows]
    stage_totals: dict[str, float] = {}
    minutes = sum(r["seconds"] for r in rows) / 60
    for r in rows:
        for name, seconds in r["stage_cpu"].items():
            stage_totals[name] = stage_totals.get(name, 0.0) + seconds
    clashes = metrics.families_distinct(profiles)
    distinct = "-" if not profiles else ("yes" if not clashes else f"no: {clashes}")
    low_variety = [(label, round(x, 2)) for label, x in ratios if x < metrics.VARIETY_MIN_EDIT]
    return {
        "label": "summary",
        "songs": len(rows),
        "vocal pitch: median abs cents, worst song (<= 15)": max(pitch) if pitch else "-",
        "vocal pitch: notes within 50 c, worst song % (>= 95)": min(within) if within else "-",
        "vocal pitch: songs passing": _share(rows, "pitch_ok"),
        "every lyric line in the song (prefix when capped)": _share(rows, "lines_ok"),
        "syllables sung exactly": _share(rows, "syllables_ok"),
        "word timings complete and ordered": _share(rows, "words_ok"),
        "tempo within 3% (>= 90% of songs)": _share(rows, "tempo_ok"),
        "key, relative counts (>= 80% of songs)": _share(rows, "key_ok"),
        "loudness -14+-1 LUFS, <= -1 dBTP (decoded mp3)": _share(rows, "loudness_ok"),
        "vocal balance -2..+6 dB per sung section": _share(rows, "balance_ok"),
        "vocals < -60 dBFS in unsung sections": _share(rows, "silence_ok"),
        "stems residual <= -30 dB": _share(rows, "stems_ok"),
        "stems residual, worst dB": max(r["stems_db"] for r in rows) if rows else "-",
        "variety: min melody edit ratio (>= 0.30)": round(min(x for _, x in ratios), 2)
        if ratios
        else "-",
        "variety: pairs below 0.30": low_variety or "none",
        "families distinct (tempo range and programs)": distinct,
        "tags followed": _share(rows, "tags_ok"),
        "structure (markers in order, repeats reuse melody)": _share(rows, "structure_ok"),
        "determinism (identical bytes)": ", ".join(
            f"{label}: {'yes' if same else 'NO'}" for label, same in deterministic
        )
        or "-",
        "CPU s per minute of audio, mean / worst": f"{sum(cpu) / len(cpu):.2f} / {max(cpu):.2f}"
        if cpu
        else "-",
        "CPU s per minute of audio by stage": {
            name: round(total / minutes, 2) for name, total in stage_totals.items()
        }
        if minutes
        else {},
        "peak RSS MB (whole evaluation process)": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        // 1024
        if own_rss
        else "see each shard's output",
    }


@dataclass
class SetChecks:
    """The checks over the whole set rather than one song (variety, families, determinism)."""

    ratios: list[tuple[str, float]]
    profiles: list[metrics.FamilyProfile]
    deterministic: list[tuple[str, bool]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": "set-checks",
            "ratios": self.ratios,
            "profiles": [[p.family, list(p.bpm_range), sorted(p.programs)] for p in self.profiles],
            "deterministic": self.deterministic,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SetChecks:
        return cls(
            ratios=[(str(a), float(b)) for a, b in data["ratios"]],
            profiles=[
                metrics.FamilyProfile(f, (float(r[0]), float(r[1])), frozenset(p))
                for f, r, p in data["profiles"]
            ],
            deterministic=[(str(a), bool(b)) for a, b in data["deterministic"]],
        )


def set_checks(
    engine: BuiltinEngine,
    requests: list[EvalRequest],
    fingerprints: dict[str, str],
    max_duration_s: float | None = None,
) -> SetChecks:
    deterministic = [
        (r.label, render(engine, r, max_duration_s).fingerprint() == fingerprints[r.label])
        for r in requests
        if r.label in fingerprints
    ]
    variety_requests = [r for r in requests if r.sung][::4]
    return SetChecks(variety(variety_requests), family_profiles(), deterministic)


def run_evaluation(
    out: TextIO,
    *,
    limit: int | None = None,
    offset: int = 0,
    pitch: bool = True,
    whole_set_checks: bool = True,
    max_duration_s: float | None = None,
    on_row: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Render the request set (`limit` requests from `offset`; all by default), print the table
    to `out`. `max_duration_s` shortens every song (a quicker, coarser run). Returns one dict
    per song, then (with `whole_set_checks`) a dict labelled "set-checks" (variety, family
    profiles, determinism), then one labelled "summary".

    `offset`/`whole_set_checks` let the set run as shards in parallel processes; `merge`
    combines their rows.
    """
    from songsmith.engines.builtin.engine import BuiltinEngine
    from songsmith.evaluation.report import format_row, format_summary, header

    os.environ.setdefault("OMP_NUM_THREADS", "1")  # onnxruntime determinism, no oversubscription
    requests = evaluation_requests()[offset:]
    if limit is not None:
        requests = requests[:limit]
    engine = BuiltinEngine()
    engine.warm_up()
    out.write(header() + "\n")
    out.flush()
    rows: list[dict[str, Any]] = []
    fingerprints: dict[str, str] = {}
    for index, request in enumerate(requests):
        rendered = render(engine, request, max_duration_s)
        if index < DETERMINISM_CHECKS:
            fingerprints[request.label] = rendered.fingerprint()
        row = measure(rendered, pitch=pitch)
        del rendered
        rows.append(row)
        out.write(format_row(row) + "\n")
        out.flush()
        if on_row is not None:
            on_row(row)
    checks = None
    if whole_set_checks:
        checks = set_checks(engine, requests, fingerprints, max_duration_s)
    if checks is not None and on_row is not None:
        on_row(checks.to_dict())
    summary = summarise(rows, checks)
    out.write(format_summary(summary) + "\n")
    out.flush()
    return [*rows, *([checks.to_dict()] if checks else []), summary]


def merge(out: TextIO, parts: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Print one table and summary from shards' rows (as `run_evaluation`'s on_row saw them)."""
    from songsmith.evaluation.report import format_summary, format_table

    rows = [r for part in parts for r in part if r.get("label") not in ("set-checks", "summary")]
    found = [r for part in parts for r in part if r.get("label") == "set-checks"]
    checks = SetChecks.from_dict(found[0]) if found else None
    summary = summarise(rows, checks, own_rss=False)
    out.write(format_table(rows) + "\n" + format_summary(summary) + "\n")
    return [*rows, summary]
