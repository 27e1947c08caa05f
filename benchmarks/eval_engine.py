"""The built-in engine measured as quality.md says, over a fixed seeded request set.

    .venv/bin/python benchmarks/eval_engine.py [--limit N] [--seconds 60] [--skip-pitch]

Renders every request (all genre families, both voices, with and without lyric markers,
instrumental, short and long), masters it, and prints one row per song and a summary of the bars:
vocal pitch (pyin on the lead stem vs the score), syllables sung, word timings, tempo (beat
tracker on the mix, half/double count), key (Krumhansl-Schmuckler on the mix chroma, relative
major/minor counts), loudness and true peak (of the decoded mp3), vocal balance per sung section
and silence in unsung ones, stems exactness, variety between a submit's two clips, tags obeyed,
structure, determinism, and CPU seconds per minute of audio. Takes minutes: it is a benchmark.
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import resource
import time
from dataclasses import dataclass, field
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")

MARKED = """[Verse 1]
{a}
{b}

[Chorus]
{c}
{d}

[Verse 2]
{e}
{f}

[Chorus]
{c}
{d}
"""
LINES = (
    "I walked along the river in the morning light",
    "The city still asleep beneath a silver sky",
    "Hold on, hold on, we're running out of time",
    "We'll dance until the morning sets the sky on fire",
    "Every little word you said is written on my mind",
    "Every little promise like a letter left behind",
)
UNMARKED = """Paper boats on a rainy street
Sailing off where the rivers meet

Oh the rain, the rain, it sings to me
Oh the rain, the rain, it sets me free

Windows fogged with a secret name
Every puddle a picture frame

Oh the rain, the rain, it sings to me
Oh the rain, the rain, it sets me free
"""
FAMILY_TAGS = (
    "pop",
    "rock",
    "punk rock",
    "heavy metal",
    "deep house",
    "boom bap hip hop",
    "trap",
    "neo soul r&b",
    "swing jazz",
    "delta blues",
    "country",
    "roots reggae",
    "salsa latin",
    "piano ballad",
    "epic orchestral",
    "lo-fi",
    "synthwave",
    "ambient",
    "funk",
    "disco",
)
KEY_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_PC = {n: i for i, n in enumerate(KEY_NAMES)} | {"Db": 1, "D#": 3, "G#": 8, "A#": 10, "Gb": 6}


@dataclass
class Request:
    tags: str
    lyrics: str
    gender: str | None
    seed: int
    negative: str = ""
    named: tuple[int, ...] = ()  # GM programs the tags name
    label: str = ""


@dataclass
class Row:
    label: str
    values: dict[str, Any] = field(default_factory=dict)


def requests() -> list[Request]:
    marked = MARKED.format(a=LINES[0], b=LINES[1], c=LINES[2], d=LINES[3], e=LINES[4], f=LINES[5])
    out: list[Request] = []
    for i, tags in enumerate(FAMILY_TAGS):
        out.append(Request(tags, marked, "f", 1000 + i, label=f"{tags} f"))
        lyrics = UNMARKED if i % 4 == 0 else marked
        out.append(
            Request(tags, lyrics, "m", 2000 + i, label=f"{tags} m" + (" nm" if i % 4 == 0 else ""))
        )
    out.append(Request("cinematic", "", None, 3001, label="instrumental"))
    out.append(Request("pop, saxophone, cello", marked, "f", 3002, "drums", (65, 42), "named"))
    out.append(Request("folk", "[Verse]\nLa la", "m", 3003, label="short"))
    long = "\n\n".join(f"[Verse {k}]\n{LINES[k % 6]}\n{LINES[(k + 1) % 6]}" for k in range(40))
    out.append(Request("rock", long, "f", 3004, label="long"))
    return out


def cents_errors(vocals: Any, notes: list[Any], sample_rate: int) -> list[float]:
    import librosa
    import numpy as np

    mono = vocals.mean(axis=1)
    rate = 16000
    mono = librosa.resample(mono, orig_sr=sample_rate, target_sr=rate)
    hop = 160
    errors = []
    for note in notes:
        if note.end - note.start < 0.15:
            continue
        a = note.start + 0.25 * (note.end - note.start)
        b = note.end - 0.25 * (note.end - note.start)
        segment = mono[int(a * rate) - 1024 : int(b * rate) + 1024]
        if len(segment) < 2048:
            continue
        f0, voiced, _ = librosa.pyin(
            segment, fmin=60, fmax=1000, sr=rate, frame_length=1024, hop_length=hop, center=False
        )
        f0 = f0[voiced & np.isfinite(f0)] if voiced is not None else f0[np.isfinite(f0)]
        if len(f0) == 0:
            errors.append(1200.0)
            continue
        target = 440.0 * 2 ** ((note.pitch - 69) / 12)
        errors.append(float(1200 * np.log2(np.median(f0) / target)))
    return errors


def key_of(mix: Any, sample_rate: int) -> tuple[int, str]:
    import librosa
    import numpy as np

    major = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
    minor = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
    y = librosa.resample(mix.mean(axis=1), orig_sr=sample_rate, target_sr=22050)
    chroma = librosa.feature.chroma_stft(y=y, sr=22050).sum(axis=1)
    best = max(
        (
            (np.corrcoef(np.roll(profile, k), chroma)[0, 1], k, mode)
            for profile, mode in ((major, "major"), (minor, "minor"))
            for k in range(12)
        ),
    )
    return best[1], best[2]


def same_key(a: tuple[int, str], b: tuple[int, str]) -> bool:
    if a == b:
        return True
    relative = (a[0] + (9 if a[1] == "major" else 3)) % 12
    return a[1] != b[1] and relative == b[0]


def db(x: Any) -> float:
    import numpy as np

    return float(10 * np.log10(np.mean(np.square(x, dtype=np.float64)) + 1e-20))


def evaluate(req: Request, seconds: float, skip_pitch: bool, engine: Any) -> Row:
    import librosa
    import numpy as np

    from songsmith.domain.statuses import Mode
    from songsmith.engines.builtin.compose import compose
    from songsmith.engines.builtin.form import parse_sections
    from songsmith.engines.typing import GenerationJob
    from songsmith.media.master import master
    from songsmith.phonetics import syllabify_line

    job = GenerationJob(
        mode=Mode.CUSTOM if req.lyrics else Mode.INSTRUMENTAL,
        seed=req.seed,
        max_duration_s=seconds,
        lyrics=req.lyrics,
        tags=req.tags,
        negative_tags=req.negative,
        instrumental=not req.lyrics,
        vocal_gender=req.gender,
    )
    row = Row(req.label)
    t = time.process_time()
    song = engine.generate(job, lambda d, n: None)
    mastered = master(song.mix, song.stems, song.sample_rate)
    cpu = time.process_time() - t
    sr = song.sample_rate
    score = song.score
    duration = len(song.mix) / sr
    row.values["s"] = round(duration)
    row.values["cpu/min"] = round(cpu / duration * 60, 1)
    lead = [n for tr in score.tracks if tr.name == "lead_vocal" for n in tr.notes]
    language = song.metadata.get("language", "en")
    if lead:
        sung_lines = [line for s in compose(job).form.sections for line in s.lines]
        expected = [
            s.phonemes
            for line in sung_lines
            for w in syllabify_line(line, language)
            for s in w.syllables
        ]
        row.values["syll"] = [n.syllable for n in lead if n.syllable] == expected
        words = song.words
        row.values["words"] = (
            len(words)
            == sum(1 for line in sung_lines for w in syllabify_line(line, language) if w.syllables)
            and all(0 <= w.start_s < w.end_s <= duration for w in words)
            and all(a.start_s <= b.start_s for a, b in itertools.pairwise(words))
        )
        if not skip_pitch:
            errors = cents_errors(song.stems["vocals"], lead, sr)
            if errors:
                row.values["pitch_med"] = round(float(np.median(np.abs(errors))), 1)
                row.values["pitch_50c"] = round(float(np.mean(np.abs(errors) <= 50)) * 100)
        backing = sum(a for g, a in song.stems.items() if g not in ("vocals", "backing_vocals"))
        balances, silent = [], []
        for section, form_section in zip(score.sections, compose(job).form.sections, strict=True):
            a, b = int(section.start_s * sr), int(section.end_s * sr)
            if form_section.sung:
                balances.append(db(song.stems["vocals"][a:b]) - db(backing[a:b]))
            elif b - a > sr:
                silent.append(db(song.stems["vocals"][a + int(0.6 * sr) : b - int(0.3 * sr)]))
        row.values["bal_db"] = f"{min(balances):.1f}..{max(balances):.1f}" if balances else "-"
        row.values["bal_ok"] = all(-2 <= x <= 6 for x in balances)
        row.values["unsung_silent"] = all(x < -60 for x in silent)
        markers = [k for k, _, _ in parse_sections(req.lyrics)]
        sung_kinds = [
            s.name
            for s, f in zip(score.sections, compose(job).form.sections, strict=True)
            if f.sung
        ]
        if re.search(r"^\s*\[", req.lyrics, re.M):
            row.values["structure"] = sung_kinds == [k for k in markers][: len(sung_kinds)]
    residual = song.mix - np.sum(list(song.stems.values()), axis=0)
    row.values["stems_db"] = round(db(residual) - db(song.mix), 1)
    y = librosa.resample(song.mix.mean(axis=1), orig_sr=sr, target_sr=22050)
    tempo = float(np.atleast_1d(librosa.beat.beat_track(y=y, sr=22050)[0])[0])
    ratio = min(abs(tempo * f / score.bpm - 1) for f in (0.5, 1, 2))  # half/double count
    row.values["bpm"] = f"{score.bpm:.0f}/{tempo:.0f}"
    row.values["tempo_ok"] = ratio <= 0.03
    tonic, mode = score.key.split()
    found = key_of(song.mix, sr)
    row.values["key"] = f"{score.key}/{KEY_NAMES[found[0]]} {found[1]}"
    row.values["key_ok"] = same_key((_PC[tonic], mode), found)
    row.values["lufs"] = round(mastered.lufs, 1)
    row.values["tp"] = round(mastered.true_peak_db, 1)
    row.values["loud_ok"] = abs(mastered.lufs + 14) <= 1 and mastered.true_peak_db <= -1
    if req.named or req.negative:
        programs = {tr.program for tr in score.tracks if tr.notes and not tr.is_drum}
        drums = any(tr.is_drum and tr.group == "drums" and tr.notes for tr in score.tracks)
        row.values["tags_ok"] = set(req.named) <= programs and not (
            "drums" in req.negative and drums
        )
    return row


def edit_ratio(a: list[int], b: list[int]) -> float:
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (x != y))
    return row[-1] / max(1, len(a), len(b))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=0, help="only the first N requests")
    parser.add_argument("--seconds", type=float, default=60.0, help="max length per song")
    parser.add_argument("--skip-pitch", action="store_true", help="skip the (slow) pyin check")
    args = parser.parse_args()

    from songsmith.domain.statuses import Mode
    from songsmith.engines.builtin.compose import compose
    from songsmith.engines.builtin.engine import BuiltinEngine
    from songsmith.engines.typing import GenerationJob

    engine = BuiltinEngine()
    engine.warm_up()
    reqs = requests()
    if args.limit:
        reqs = reqs[: args.limit]
    rows = []
    for req in reqs:
        row = evaluate(req, args.seconds, args.skip_pitch, engine)
        rows.append(row)
        print(  # noqa: T201
            row.label.ljust(22),
            "  ".join(f"{k}={v}" for k, v in row.values.items()),
            flush=True,
        )

    variety = []
    for req in reqs[:: max(1, len(reqs) // 8)]:
        if not req.lyrics:
            continue
        jobs = [
            GenerationJob(
                mode=Mode.CUSTOM,
                seed=req.seed + k,
                max_duration_s=args.seconds,
                lyrics=req.lyrics,
                tags=req.tags,
            )
            for k in (0, 1)
        ]
        a, b = (compose(j).melody for j in jobs)
        if a is not None and b is not None:
            variety.append(edit_ratio([n.pitch for n in a.notes], [n.pitch for n in b.notes]))
    req = reqs[0]
    job = GenerationJob(
        mode=Mode.CUSTOM, seed=req.seed, max_duration_s=20.0, lyrics=req.lyrics, tags=req.tags
    )
    first, second = (engine.generate(job, lambda d, n: None).mix.tobytes() for _ in range(2))

    def share(key: str) -> str:
        values = [r.values[key] for r in rows if key in r.values]
        return f"{sum(map(bool, values))}/{len(values)}" if values else "-"

    pitch = [r.values["pitch_med"] for r in rows if "pitch_med" in r.values]
    within = [r.values["pitch_50c"] for r in rows if "pitch_50c" in r.values]
    cpu = [r.values["cpu/min"] for r in rows]
    print("\nsummary")  # noqa: T201
    summary = {
        "vocal pitch median abs cents (worst song)": max(pitch) if pitch else "-",
        "notes within 50 cents, % (worst song)": min(within) if within else "-",
        "syllables sung exactly": share("syll"),
        "word timings valid": share("words"),
        "tempo within 3%": share("tempo_ok"),
        "key (relative counts)": share("key_ok"),
        "loudness -14+-1 LUFS and <= -1 dBTP": share("loud_ok"),
        "vocal balance -2..+6 dB": share("bal_ok"),
        "vocals silent when unsung": share("unsung_silent"),
        "stems residual dB (worst)": max(r.values["stems_db"] for r in rows),
        "variety (min edit ratio)": round(min(variety), 2) if variety else "-",
        "tags obeyed": share("tags_ok"),
        "structure follows markers": share("structure"),
        "determinism (same bytes)": first == second,
        "CPU s per minute of audio (mean / worst)": f"{sum(cpu) / len(cpu):.1f} / {max(cpu):.1f}",
        "peak RSS MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }
    for key, value in summary.items():
        print(f"  {key}: {value}")  # noqa: T201


if __name__ == "__main__":
    main()
