"""`python -m songsmith.services.worker`: one worker process (`songsmith worker` wraps this)."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from songsmith.services.worker.lifeline import die_with_parent
from songsmith.services.worker.supervisor import SETTINGS_ENV


def main(argv: list[str] | None = None) -> None:
    from songsmith.config import Settings
    from songsmith.services.worker.loop import run_worker
    from songsmith.services.worker.supervisor import _engines_in_use

    parser = argparse.ArgumentParser(prog="songsmith-worker")
    parser.add_argument("--engines", default="", help="comma-separated engine names (queues)")
    parser.add_argument(
        "--settings-json", default="", help=f"settings as JSON (default: ${SETTINGS_ENV}, else env)"
    )
    parser.add_argument("--worker-id", default=None)
    parser.add_argument("--parent", type=int, default=0, help="exit when this process exits")
    args = parser.parse_args(argv)
    if args.parent:
        die_with_parent(args.parent)
    # Settings hold secrets (api_key, llm_api_key): a supervisor passes them in the environment,
    # which only this user can read, never on the command line, which `ps` shows to everyone.
    settings_json = args.settings_json or os.environ.pop(SETTINGS_ENV, "")
    settings = Settings.model_validate_json(settings_json) if settings_json else Settings()
    logging.basicConfig(
        level=os.environ.get("SONGSMITH_LOG_LEVEL", settings.log_level).upper(),
        stream=sys.stderr,
        format="%(asctime)s %(process)d %(name)s %(levelname)s %(message)s",
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    engines = [e for e in args.engines.split(",") if e] or _engines_in_use(settings)
    run_worker(settings, engine_names=engines, worker_id=args.worker_id)


if __name__ == "__main__":
    main()
