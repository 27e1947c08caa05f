"""`python -m songsmith.evaluation`: render the request set and print the table.

    python -m songsmith.evaluation [--limit N] [--offset K] [--seconds S] [--no-pitch]
                                   [--no-set-checks] [--jsonl FILE]
    python -m songsmith.evaluation --merge A.jsonl B.jsonl   # one table from parallel shards

`--jsonl` writes each row as it is measured (a shard run with `--no-set-checks` leaves the
variety / family / determinism checks to another shard).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m songsmith.evaluation")
    parser.add_argument("--limit", type=int, default=None, help="only N requests")
    parser.add_argument("--offset", type=int, default=0, help="skip the first K requests")
    parser.add_argument("--no-pitch", action="store_true", help="skip the (slow) pyin pass")
    parser.add_argument("--no-set-checks", action="store_true", help="no variety/determinism")
    parser.add_argument("--seconds", type=float, default=None, help="cap every song's length")
    parser.add_argument("--jsonl", default=None, help="append each row to this file")
    parser.add_argument("--merge", nargs="+", default=None, help="JSONL files of shards")
    args = parser.parse_args(argv)

    from songsmith.evaluation.runner import merge, run_evaluation

    if args.merge:
        parts = []
        for name in args.merge:
            with open(name, encoding="utf-8") as handle:
                parts.append([json.loads(line) for line in handle if line.strip()])
        merge(sys.stdout, parts)
        return 0

    def write(row: dict[str, Any]) -> None:
        if args.jsonl:
            with open(args.jsonl, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(row, default=str) + "\n")

    run_evaluation(
        sys.stdout,
        limit=args.limit,
        offset=args.offset,
        pitch=not args.no_pitch,
        whole_set_checks=not args.no_set_checks,
        max_duration_s=args.seconds,
        on_row=write,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
