"""`python -m songsmith.evaluation [--limit N] [--no-pitch] [--json FILE]`: print the table."""

from __future__ import annotations

import argparse
import json
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m songsmith.evaluation")
    parser.add_argument("--limit", type=int, default=None, help="only the first N requests")
    parser.add_argument("--no-pitch", action="store_true", help="skip the (slow) pyin pass")
    parser.add_argument("--json", default=None, help="also write the rows to this file")
    args = parser.parse_args(argv)

    from songsmith.evaluation import run_evaluation

    rows = run_evaluation(sys.stdout, limit=args.limit, pitch=not args.no_pitch)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(rows, handle, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
