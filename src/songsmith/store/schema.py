"""Table definitions (SQLAlchemy Core). Alembic migrations create them; this module reads them."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("webhook_secret", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked", Boolean, nullable=False, default=False),
)

tasks = Table(
    "tasks",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("key_id", String(64), nullable=False, index=True),
    Column("action", String(16), nullable=False),
    Column("mode", String(32), nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("submit_time", Integer, nullable=False),
    Column("request", JSON, nullable=False),
    Column("notify_hook", Text, nullable=False, default=""),
    Column("fail_reason", Text, nullable=False, default=""),
    Column("start_time", Integer, nullable=False, default=0),
    Column("finish_time", Integer, nullable=False, default=0),
    Column("progress", Integer, nullable=False, default=0),
    Column("result", JSON, nullable=True),
)

clips = Table(
    "clips",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("task_id", String(64), ForeignKey("tasks.id"), nullable=False),
    Column("key_id", String(64), nullable=False),
    Column("idx", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("title", Text, nullable=False, default=""),
    Column("mv", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("metadata", JSON, nullable=False),
    Column("artifacts", JSON, nullable=False),
    Column("duration", Float, nullable=True),
    Column("attempt", Integer, nullable=False, default=0),
    Column("progress", Integer, nullable=False, default=0),
    Index("ix_clips_task_idx", "task_id", "idx"),
)

personas = Table(
    "personas",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("key_id", String(64), nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("root_clip_id", String(64), nullable=False),
    Column("clip_ids", JSON, nullable=False),
    Column("is_public", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("profile", JSON, nullable=False),
)

# The embedded queue's jobs. `token` is the fencing token handed out as Lease.attempt (it only
# grows); `attempts` counts attempts toward max_attempts (a graceful release gives one back).
jobs = Table(
    "jobs",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("task_id", String(64), nullable=False, index=True),
    Column("clip_id", String(64), nullable=True),
    Column("kind", String(32), nullable=False),
    Column("queue", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("state", String(16), nullable=False),  # queued | running | done | dead
    Column("attempts", Integer, nullable=False, default=0),
    Column("token", Integer, nullable=False, default=0),
    Column("worker_id", String(200), nullable=True),
    Column("lease_expires_at", Float, nullable=True),
    Column("enqueued_at", Float, nullable=False),
    Column("last_error", Text, nullable=False, default=""),
    Index("ix_jobs_claim", "state", "queue", "enqueued_at"),
)
