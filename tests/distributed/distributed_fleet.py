"""A songsmith fleet as real processes: one API server (`serve --database-url`, no local workers)
and `songsmith worker` processes, all on one PostgreSQL database and one shared media folder.

Imported by path (tests have no package); also used by scripts/soak_distributed.py and the
benchmark.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
FAST_SETTINGS = {  # reliability-security.md test settings: lease 5 s, heartbeat 1 s
    "SONGSMITH_LEASE_S": "5",
    "SONGSMITH_HEARTBEAT_S": "1",
    "SONGSMITH_REAPER_INTERVAL_S": "0.5",
    "SONGSMITH_JOB_TIMEOUT_S": "60",
    "SONGSMITH_MAX_ATTEMPTS": "3",
    "SONGSMITH_DEFAULT_ENGINE": "testing",
    "SONGSMITH_LOG_LEVEL": "warning",
    "OMP_NUM_THREADS": "1",
}


def admin_url() -> str:
    return os.environ.get("SONGSMITH_TEST_DATABASE_URL", DEFAULT_ADMIN_URL)


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def server_answers(url: str) -> str:
    """'' when a PostgreSQL server answers at `url`, else the reason it does not."""
    import psycopg

    try:
        psycopg.connect(_plain(url), connect_timeout=3).close()
    except psycopg.Error as exc:
        return f"no PostgreSQL answers at SONGSMITH_TEST_DATABASE_URL ({url}): {exc}"
    return ""


def _with_database(url: str, database: str) -> str:
    from sqlalchemy.engine import make_url

    rendered = make_url(_plain(url)).set(database=database).render_as_string(hide_password=False)
    return _plain(rendered)


def create_database(admin: str) -> str:
    import psycopg

    name = f"songsmith_test_{secrets.token_hex(4)}"
    with psycopg.connect(_plain(admin), autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return _with_database(admin, name)


def drop_database(admin: str, url: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    with psycopg.connect(_plain(admin), autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Fleet:
    """Start, stop and talk to the processes of one distributed deployment."""

    root: Path
    database_url: str
    extra_env: dict[str, str] = field(default_factory=dict)
    api_key: str = field(default_factory=lambda: "sk-dist-" + uuid.uuid4().hex)
    port: int = field(default_factory=free_port)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            **FAST_SETTINGS,
            "SONGSMITH_DATABASE_URL": self.database_url,
            "SONGSMITH_DATA_DIR": str(self.root / "shared"),  # the "shared filesystem"
            "SONGSMITH_PUBLIC_BASE_URL": self.base,
            "SONGSMITH_API_KEY": self.api_key,
            "SONGSMITH_TESTING_MARKER_DIR": str(self.root / "markers"),
            **self.extra_env,
        }

    def log_path(self, name: str) -> Path:
        return self.root / f"{name}.log"

    def _start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        (self.root / "markers").mkdir(parents=True, exist_ok=True)
        with open(self.log_path(name), "ab") as log:
            proc = subprocess.Popen(
                [sys.executable, "-c", "from songsmith.cli import app; app()", *args],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.procs[name] = proc
        return proc

    def start_api(self, timeout_s: float = 60.0) -> subprocess.Popen[bytes]:
        proc = self._start("api", ["serve", "--port", str(self.port)], self.env())
        deadline = time.monotonic() + timeout_s
        while True:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{self.base}/health", timeout=1).status_code == 200:
                    return proc
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("the API did not start:\n" + self.log_path("api").read_text())
            time.sleep(0.2)

    def start_worker(
        self, name: str, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        return self._start(
            name, ["worker", "--engine", "testing", *args], {**self.env(), **(env or {})}
        )

    def signal(self, name: str, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.procs[name].pid, sig)

    def stop_all(self, *, keep: tuple[str, ...] = ()) -> None:
        """SIGTERM (graceful) every process but `keep`; SIGKILL what is still up after 40 s."""
        stopping = {n: p for n, p in self.procs.items() if n not in keep}
        for proc in stopping.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGCONT)
                proc.terminate()
        for name, proc in stopping.items():
            try:
                proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            del self.procs[name]

    def stop_workers(self) -> None:
        self.stop_all(keep=("api",))

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.stem} ---\n{path.read_text(errors='replace')[-4000:]}"
            for path in sorted(self.root.glob("*.log"))
        )

    # --- HTTP -----------------------------------------------------------------------------
    def client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.base, headers={"Authorization": f"Bearer {self.api_key}"}, timeout=30
        )

    def submit(self, client: httpx.Client, tags: str, seed: int = 1) -> str:
        response = client.post(
            "/suno/submit/music",
            json={"prompt": "[Verse]\nhello far away", "tags": f"pop {tags}", "title": "Dist",
                  "mv": "chirp-v4", "seed": seed},
        )  # fmt: skip
        assert response.status_code == 200, response.text
        return str(response.json()["data"])

    def wait_terminal(
        self, client: httpx.Client, task_ids: list[str], timeout_s: float
    ) -> dict[str, dict[str, Any]]:
        deadline = time.monotonic() + timeout_s
        done: dict[str, dict[str, Any]] = {}
        while time.monotonic() < deadline:
            for task_id in task_ids:
                if task_id in done:
                    continue
                response = client.get(f"/suno/fetch/{task_id}")
                if response.status_code != 200:
                    continue
                task = response.json()["data"]
                if task["status"] in ("SUCCESS", "FAILURE"):
                    done[task_id] = task
            if len(done) == len(task_ids):
                return done
            time.sleep(0.25)
        raise AssertionError(
            f"{len(task_ids) - len(done)} of {len(task_ids)} tasks not terminal\n" + self.logs()
        )


def job_rows(database_url: str) -> list[dict[str, Any]]:
    """Every songsmith job with its Procrastinate status and lease bookkeeping."""
    import psycopg
    from psycopg.rows import dict_row

    with psycopg.connect(_plain(database_url), row_factory=dict_row) as conn:
        return list(
            conn.execute(
                "SELECT j.id, j.queue_name, j.status::text AS status, j.args, j.attempts,"
                " l.token, l.counted, l.worker_name, l.last_error FROM procrastinate_jobs j"
                " JOIN songsmith_job_leases l ON l.job_id = j.id ORDER BY j.id"
            ).fetchall()
        )


class ThrowawayPostgres:
    """A private PostgreSQL cluster (initdb + pg_ctl, as user postgres when run as root) on its
    own port, so a test can stop and start it without touching the shared server."""

    def __init__(self) -> None:
        import shutil
        import tempfile

        bindir = os.environ.get("SONGSMITH_TEST_PG_BINDIR") or _pg_bindir()
        if not bindir:
            raise FileNotFoundError("PostgreSQL server binaries (initdb, pg_ctl) not found")
        self.bindir = Path(bindir)
        # Not under pytest's tmp dir: its parents are 0700 root, which user postgres cannot enter.
        self.root = Path(tempfile.mkdtemp(prefix="songsmith-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self._runas = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._runas:
            shutil.chown(self.root, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run(
            [*self._runas, str(self.bindir / tool), *args],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k {self.root}"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"),
                  "-w", "start")  # fmt: skip

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def destroy(self) -> None:
        import shutil

        with contextlib.suppress(Exception):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


def _pg_bindir() -> str:
    import shutil

    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: p.parent.name)
    for candidate in reversed(candidates):
        if (candidate / "pg_ctl").exists():
            return str(candidate)
    found = shutil.which("pg_ctl")
    return str(Path(found).parent) if found else ""
