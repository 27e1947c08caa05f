"""The evaluation table as text: one fixed-width row per song, then the summary of the bars."""

from __future__ import annotations

from typing import Any

# (column title, row key, width); flags print as "ok"/"FAIL", absent values as "-"
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("song", "label", 24),
    ("v", "voice", 2),
    ("lang", "language", 4),
    ("sec", "seconds", 6),
    ("cpu/min", "cpu_per_min", 7),
    ("lines", "lines_ok", 5),
    ("syll", "syllables", 8),
    ("syll", "syllables_ok", 4),
    ("words", "words_ok", 5),
    ("pitch c", "pitch_median_c", 7),
    ("<=50c%", "pitch_within50", 6),
    ("pitch", "pitch_ok", 5),
    ("bpm/meas", "bpm", 8),
    ("tempo", "tempo_ok", 5),
    ("key/measured", "key", 22),
    ("key", "key_ok", 4),
    ("LUFS", "lufs", 6),
    ("dBTP", "true_peak", 6),
    ("loud", "loudness_ok", 4),
    ("vocal-bkg dB", "balance_db", 12),
    ("bal", "balance_ok", 4),
    ("unsung", "unsung_dbfs", 6),
    ("sil", "silence_ok", 4),
    ("stems", "stems_db", 6),
    ("repeats", "repeats_reused", 7),
    ("struct", "structure_ok", 6),
    ("tags", "tags_ok", 4),
)


def cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "ok" if value else "FAIL"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def header() -> str:
    return " ".join(title.ljust(width) for title, _, width in COLUMNS)


def format_row(row: dict[str, Any]) -> str:
    return " ".join(cell(row.get(key)).ljust(width) for _, key, width in COLUMNS)


def format_table(rows: list[dict[str, Any]]) -> str:
    return "\n".join([header(), *(format_row(r) for r in rows if r.get("label") != "summary")])


def format_summary(summary: dict[str, Any]) -> str:
    width = max(len(k) for k in summary)
    lines = ["", "summary"]
    for name, value in summary.items():
        if name == "label":
            continue
        lines.append(f"  {name.ljust(width)}  {cell(value)}")
    return "\n".join(lines)
