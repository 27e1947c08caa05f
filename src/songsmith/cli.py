"""`songsmith` command line: serve | worker | keys | doctor | migrate | render | eval."""

from __future__ import annotations

import logging
import os
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from songsmith.config import Settings
    from songsmith.store.sql import SqlStore

app = typer.Typer(help="songsmith: a self-hosted music generation server (Suno API).")
keys_app = typer.Typer(help="Create, list and revoke API keys.")
app.add_typer(keys_app, name="keys")


def _register_tools() -> None:
    from songsmith.cli_tools import register

    register(app)


_register_tools()

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Folder for the database and media (SONGSMITH_DATA_DIR)."),
]


def _settings(**overrides: Any) -> Settings:
    from songsmith.config import Settings

    return Settings(**{k: v for k, v in overrides.items() if v is not None})


def _logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(process)d %(name)s %(levelname)s %(message)s",
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)


def _migrated_store(settings: Settings) -> SqlStore:
    from songsmith.store.migrate import upgrade
    from songsmith.store.sql import SqlStore

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    return SqlStore(settings.resolved_database_url, migrate=False)


def announce_keys(store: SqlStore, settings: Settings) -> None:
    """First start of an empty data dir: create and print a key; later starts: say how."""
    from songsmith.services.keys import create_key, ensure_env_key

    if settings.api_key:
        if ensure_env_key(store, settings.api_key) is None:
            typer.echo("SONGSMITH_API_KEY is set but that key was revoked; it is not accepted.")
        else:
            typer.echo("API key: the value of SONGSMITH_API_KEY is accepted.")
        return
    if not store.list_keys():
        created = create_key(store, "first")
        typer.echo("Created the first API key (shown once; store it now):")
        typer.echo(f"  API key:        {created.secret}")
        typer.echo(f"  webhook secret: {created.key.webhook_secret}")
        return
    typer.echo(
        f"Keys exist. Create another with: songsmith keys create --data-dir {settings.data_dir}"
    )


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """How `serve` runs uvicorn (benchmarks/bench_api.py measures the same options)."""
    return {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level.lower(),
        # Per-request log lines are opt-in (SONGSMITH_ACCESS_LOG): at polling rates they cost
        # as much as the request itself.
        "access_log": settings.access_log,
        # httptools (C parser, faster) when installed, else h11 (pure Python, always there).
        "http": "auto",
        # Room for a burst of pollers (re)connecting at once without the kernel refusing them.
        "backlog": 2048,
        "timeout_graceful_shutdown": 10,
    }


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
    data_dir: DataDir = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (default 2).")] = None,
    database_url: Annotated[str | None, typer.Option(help="SONGSMITH_DATABASE_URL")] = None,
) -> None:
    """Migrate, make sure a key exists, start workers and the HTTP server."""
    import uvicorn

    from songsmith.api.app import create_app
    from songsmith.queue.factory import make_queue
    from songsmith.services.distributed import is_distributed
    from songsmith.services.worker import Supervisor, run_reaper_loop

    settings = _settings(
        host=host, port=port, data_dir=data_dir, workers=workers, database_url=database_url
    )
    _logging(settings)
    store = _migrated_store(settings)
    if is_distributed(settings):
        _require_keys_or_exit(store, settings)
        if workers is None and "SONGSMITH_WORKERS" not in os.environ:
            settings = settings.model_copy(update={"workers": 0})  # workers run elsewhere
    announce_keys(store, settings)
    queue = make_queue(settings)
    application = create_app(settings, store=store, queue=queue)

    supervisor = Supervisor(settings, settings.workers) if settings.workers > 0 else None
    stop = threading.Event()
    reaper = threading.Thread(
        target=run_reaper_loop, args=(store, queue, settings, stop), daemon=True, name="reaper"
    )
    if supervisor is not None:
        supervisor.start()
    reaper.start()
    typer.echo(f"songsmith listening on http://{settings.host}:{settings.port}")
    typer.echo(f"  API docs: http://{settings.host}:{settings.port}/docs")
    typer.echo(f"  media URLs use: {settings.resolved_public_base_url}")
    try:
        uvicorn.run(application, **uvicorn_options(settings))
    finally:
        stop.set()
        if supervisor is not None:
            supervisor.stop()
        reaper.join(timeout=5)


def _require_keys_or_exit(store: SqlStore, settings: Settings) -> None:
    from songsmith.services.distributed import NoApiKeys, require_api_keys

    try:
        require_api_keys(store, settings)
    except NoApiKeys as exc:
        typer.echo(f"songsmith: {exc}", err=True)
        raise typer.Exit(2) from None


@app.command()
def worker(
    data_dir: DataDir = None,
    engines: Annotated[str, typer.Option(help="Comma-separated engines (queues).")] = "",
    engine: Annotated[
        list[str] | None, typer.Option("--engine", help="An engine (queue) to serve; repeatable.")
    ] = None,
    concurrency: Annotated[int, typer.Option(help="Worker processes to run.", min=1)] = 1,
    database_url: Annotated[str | None, typer.Option(help="SONGSMITH_DATABASE_URL")] = None,
    model_path: Annotated[
        str | None,
        typer.Option(help="ACE-Step checkpoint folder or Hugging Face repo id (acestep engine)."),
    ] = None,
) -> None:
    """Run worker processes in the foreground (alongside `serve` or on another machine)."""
    if model_path:  # read by the acestep engine in this process and the job processes it starts
        from songsmith.engines.acestep.engine import MODEL_PATH_ENV

        os.environ[MODEL_PATH_ENV] = model_path
    from songsmith.services.distributed import is_distributed, run_worker_pool, wait_for_database
    from songsmith.services.worker.__main__ import main as worker_main

    settings = _settings(data_dir=data_dir, database_url=database_url)
    names = [n for n in [*engines.split(","), *(engine or [])] if n]
    if is_distributed(settings):
        _logging(settings)
        store = wait_for_database(lambda: _migrated_store(settings))
        _require_keys_or_exit(store, settings)
        store.close()
    if concurrency > 1:
        run_worker_pool(settings, names, concurrency)
        return
    worker_main(["--engines", ",".join(names), "--settings-json", settings.model_dump_json()])


@app.command()
def migrate(
    data_dir: DataDir = None,
    database_url: Annotated[str | None, typer.Option(help="SONGSMITH_DATABASE_URL")] = None,
) -> None:
    """Create or upgrade the database schema (and the queue's tables)."""
    from songsmith.queue.factory import make_queue

    settings = _settings(data_dir=data_dir, database_url=database_url)
    _migrated_store(settings).close()
    make_queue(settings).close()  # type: ignore[attr-defined]
    typer.echo(f"database at head: {settings.resolved_database_url}")


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option(help="A label for the key.")] = "default",
    data_dir: DataDir = None,
    database_url: Annotated[str | None, typer.Option(help="SONGSMITH_DATABASE_URL")] = None,
) -> None:
    """Create a key; its secret and webhook secret are printed once."""
    from songsmith.services.keys import create_key

    store = _migrated_store(_settings(data_dir=data_dir, database_url=database_url))
    created = create_key(store, name)
    typer.echo(f"id:             {created.key.id}")
    typer.echo(f"API key:        {created.secret}")
    typer.echo(f"webhook secret: {created.key.webhook_secret}")
    store.close()


@keys_app.command("list")
def keys_list(data_dir: DataDir = None) -> None:
    """List keys (ids and names; secrets are never stored)."""
    store = _migrated_store(_settings(data_dir=data_dir))
    for key in store.list_keys():
        state = "revoked" if key.revoked else "active"
        typer.echo(f"{key.id}\t{state}\t{key.created_at:%Y-%m-%d %H:%M}\t{key.name}")
    store.close()


@keys_app.command("revoke")
def keys_revoke(key_id: str, data_dir: DataDir = None) -> None:
    """Revoke a key by id; it stops working within seconds on running servers."""
    store = _migrated_store(_settings(data_dir=data_dir))
    ok = store.revoke_key(key_id)
    store.close()
    if not ok:
        typer.echo(f"no such key: {key_id}", err=True)
        raise typer.Exit(1)
    typer.echo(f"revoked {key_id}")


def doctor_checks(settings: Settings) -> list[tuple[str, bool, str]]:
    """(check, ok, detail) for everything `serve` needs."""
    results: list[tuple[str, bool, str]] = []
    results.append(("python >= 3.11", sys.version_info >= (3, 11), sys.version.split()[0]))
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        probe = settings.data_dir / ".doctor-probe"
        probe.write_bytes(b"ok")
        probe.unlink()
        results.append(("data dir writable", True, str(settings.data_dir.resolve())))
    except OSError as exc:
        results.append(("data dir writable", False, str(exc)))
    try:
        store = _migrated_store(settings)
        store.ping()
        store.close()
        results.append(("database", True, settings.resolved_database_url))
    except Exception as exc:  # report, do not crash: this is a diagnosis
        results.append(("database", False, f"{type(exc).__name__}: {exc}"))
    try:
        from importlib.metadata import version

        import numpy as np

        from songsmith.media.codecs import encode_mp3

        encode_mp3(np.zeros((1152, 2), np.float32), 44100)
        results.append(("mp3 encoder (LAME via lameenc)", True, f"lameenc {version('lameenc')}"))
    except Exception as exc:
        results.append(("mp3 encoder (LAME via lameenc)", False, str(exc)))
    try:
        import av

        av.codec.Codec("mp3float", "r")
        results.append(("audio decoder (PyAV)", True, f"av {av.__version__}"))
    except Exception as exc:
        results.append(("audio decoder (PyAV)", False, str(exc)))
    from songsmith.engines.registry import EngineRegistry

    registry = EngineRegistry(settings)
    for name in sorted({settings.default_engine, *settings.mv_engines.values()}):
        engine = name.partition(":")[0]
        ok = registry.available(engine)
        results.append((f"engine {engine!r}", ok, "importable" if ok else "not importable"))
    from songsmith.api.native import SWAGGER_DIR

    ok = (SWAGGER_DIR / "swagger-ui-bundle.js").exists()
    results.append(("Swagger UI assets (local)", ok, str(SWAGGER_DIR)))
    return results


@app.command()
def doctor(data_dir: DataDir = None) -> None:
    """Check the installation: Python, data folder, database, codecs, engines."""
    settings = _settings(data_dir=data_dir)
    failed = 0
    for name, ok, detail in doctor_checks(settings):
        failed += not ok
        typer.echo(f"[{'ok' if ok else 'FAIL'}] {name}: {detail}")
    if failed:
        raise typer.Exit(1)
