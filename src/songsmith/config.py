"""Settings from SONGSMITH_* environment variables (and CLI flags). Passed explicitly."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SONGSMITH_", extra="ignore")

    # --- where things live ---
    data_dir: Path = Path("./data")
    database_url: str = ""  # empty: sqlite file in data_dir; postgresql://... : distributed
    public_base_url: str = ""  # empty: http://{host}:{port}
    host: str = "127.0.0.1"
    port: int = 8000

    # --- auth and limits ---
    api_key: str = ""  # when set, accepted as a key (and no key is generated on first start)
    rate_limit_per_minute: int = 120  # requests per key per minute on /suno/*
    queue_cap_per_key: int = 50  # open (non-terminal) tasks per key
    max_body_bytes: int = 64 * 1024
    cors_origins: list[str] = Field(default_factory=list)

    # --- workers and queue ---
    workers: int = 2  # worker processes `serve` starts and supervises (0: none)
    lease_s: float = 60.0
    heartbeat_s: float = 5.0
    reaper_interval_s: float = 5.0
    max_attempts: int = 3
    job_timeout_s: float = 600.0  # a job running longer is killed and counts as a failed attempt
    # "sql" (jobs table) or "procrastinate"; empty: procrastinate on PostgreSQL, sql on SQLite
    queue_backend: str = ""

    # --- media (blob store) ---
    blob_backend: str = "local"  # "local": data_dir/blobs (or a shared folder); "s3": a bucket
    s3_bucket: str = ""
    s3_endpoint_url: str = ""  # empty: AWS; e.g. http://minio:9000 for an S3-compatible server
    s3_region: str = ""
    s3_prefix: str = ""  # key prefix inside the bucket, e.g. "songsmith/"
    # False: media URLs go through this server's /files/{id} (stable); True: presigned S3 URLs
    s3_presign: bool = False
    s3_presign_ttl_s: int = 7 * 24 * 3600  # SigV4 presigned URLs live at most 7 days

    # --- engines ---
    default_mv: str = "chirp-auk"
    # mv -> "engine[:preset]"; mvs not listed use default_engine
    mv_engines: dict[str, str] = Field(default_factory=dict)
    default_engine: str = "builtin"

    # --- outbound fetches (uploads, callbacks) ---
    fetch_allow_cidrs: str = ""  # comma-separated CIDRs exempted from the SSRF guard (tests)
    fetch_timeout_s: float = 30.0
    upload_max_bytes: int = 50 * 1024 * 1024
    upload_max_duration_s: float = 480.0

    # --- lyrics writer (optional OpenAI-compatible endpoint) ---
    llm_base_url: str = ""
    llm_api_key: str = ""
    llm_model: str = ""
    llm_timeout_s: float = 30.0

    log_level: str = "info"
    # One log line per HTTP request costs about as much as serving a poll; off unless asked for.
    access_log: bool = False

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'songsmith.db').resolve()}"

    @property
    def resolved_public_base_url(self) -> str:
        if self.public_base_url:
            return self.public_base_url.rstrip("/")
        return f"http://{self.host}:{self.port}"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    def engine_for_mv(self, mv: str) -> tuple[str, str]:
        """(engine name, preset) for a model version."""
        spec = self.mv_engines.get(mv, self.default_engine)
        name, _, preset = spec.partition(":")
        return name, preset or "default"
