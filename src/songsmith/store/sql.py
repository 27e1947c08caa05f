"""`SqlStore`: the store port on SQLAlchemy 2 Core (SQLite now, PostgreSQL with the same code)."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Select, bindparam, func, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from songsmith.domain.models import ApiKey, Clip, Persona, Task
from songsmith.domain.statuses import Action, ClipStatus, Mode, TaskStatus
from songsmith.store.db import is_sqlite, make_engine, writer
from songsmith.store.schema import api_keys, clips, personas, tasks

# Forward order of the task life; set_task_status never moves a task backwards (a fast worker may
# mark it IN_PROGRESS before the API gets to mark it QUEUED).
_TASK_RANK = {
    TaskStatus.NOT_START: 0,
    TaskStatus.SUBMITTED: 1,
    TaskStatus.QUEUED: 2,
    TaskStatus.IN_PROGRESS: 3,
    TaskStatus.SUCCESS: 4,
    TaskStatus.FAILURE: 4,
}
_TERMINAL_TASK = (TaskStatus.SUCCESS.value, TaskStatus.FAILURE.value)
_TERMINAL_CLIP = (ClipStatus.COMPLETE.value, ClipStatus.ERROR.value)


# ---- the poll path: a task and its clips in ONE statement ---------------------------------------
# Built once at import (pure construction, no I/O): SQLAlchemy memoizes the cache key of a
# statement object, so executing a constant statement skips both building and compiling it.
_TASK_COLUMNS = (
    tasks.c.id,
    tasks.c.key_id,
    tasks.c.action,
    tasks.c.mode,
    tasks.c.status,
    tasks.c.submit_time,
    tasks.c.request,
    tasks.c.notify_hook,
    tasks.c.fail_reason,
    tasks.c.start_time,
    tasks.c.finish_time,
    tasks.c.progress,
    tasks.c.result,
)
_CLIP_COLUMNS = (
    clips.c.id,
    clips.c.key_id,
    clips.c.idx,
    clips.c.status,
    clips.c.title,
    clips.c.mv,
    clips.c.created_at,
    clips.c.metadata,
    clips.c.artifacts,
    clips.c.duration,
    clips.c.attempt,
    clips.c.progress,
)
_N_TASK = len(_TASK_COLUMNS)
# Clips are left-joined so a task without clips (lyrics) still comes back, as one row of NULLs.
_TASK_WITH_CLIPS_ANY_KEY = (
    select(*_TASK_COLUMNS, *(c.label(f"clip_{c.name}") for c in _CLIP_COLUMNS))
    .select_from(tasks.outerjoin(clips, clips.c.task_id == tasks.c.id))
    .where(tasks.c.id == bindparam("task_id"))
    .order_by(clips.c.idx)
)
_TASK_WITH_CLIPS = _TASK_WITH_CLIPS_ANY_KEY.where(tasks.c.key_id == bindparam("key_id"))


class _DriverRead:
    """A constant statement compiled once for a dialect, run on the bare DBAPI cursor.

    Skips SQLAlchemy's per-execution machinery (Connection, events, execution context, Result),
    about two thirds of a poll's store time on SQLite, while keeping its type semantics: values
    go through the same result processors SQLAlchemy would apply (JSON, DateTime).
    """

    def __init__(self, statement: Select[Any], engine: Engine) -> None:
        dialect = engine.dialect
        compiled = statement.compile(dialect=dialect)
        self._engine = engine
        self.sql = str(compiled)
        self._bind_names = list(compiled.positiontup or [])
        self.processors = [
            c.type.dialect_impl(dialect).result_processor(dialect, None)
            for c in (*_TASK_COLUMNS, *_CLIP_COLUMNS)
        ]

    def rows(self, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        bound = [params[name] for name in self._bind_names]
        driver_error = self._engine.dialect.loaded_dbapi.Error
        try:
            # From the pool, outside any transaction: the connection is in autocommit mode
            # (db.py), and one SELECT already reads one consistent snapshot: no BEGIN/ROLLBACK.
            raw = self._engine.raw_connection()
            try:
                cursor = raw.cursor()
                try:
                    cursor.execute(self.sql, bound)
                    return list(cursor.fetchall())
                finally:
                    cursor.close()
            finally:
                raw.close()  # back to the pool
        except driver_error as exc:
            # The same exception classes SQLAlchemy raises (OperationalError -> 503 upstream).
            raise DBAPIError.instance(self.sql, bound, exc, driver_error) from exc

    def convert(self, row: Sequence[Any], start: int, stop: int) -> list[Any]:
        return [
            value if proc is None or value is None else proc(value)
            for proc, value in zip(self.processors[start:stop], row[start:stop], strict=True)
        ]


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything songsmith stores is UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _now() -> int:
    return int(time.time())


class SqlStore:
    """Implements `songsmith.store.typing.Store`. `migrate=True` upgrades the schema on open."""

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        if migrate:
            from songsmith.store.migrate import upgrade

            upgrade(url)
        self.url = url
        self.engine: Engine = make_engine(url)
        self._writer = writer(self.engine)
        # SQLite (positional `?` binds, autocommit connections): the poll read skips SQLAlchemy's
        # execution layer. Other databases go through it (their binds and casts vary by driver).
        self._poll_reads: dict[bool, _DriverRead] | None = None
        if is_sqlite(url):
            self._poll_reads = {
                True: _DriverRead(_TASK_WITH_CLIPS, self.engine),
                False: _DriverRead(_TASK_WITH_CLIPS_ANY_KEY, self.engine),
            }

    def close(self) -> None:
        self.engine.dispose()

    # --- API keys ---------------------------------------------------------------------
    def create_key(self, key: ApiKey) -> None:
        with self._writer.begin() as conn:
            conn.execute(
                api_keys.insert().values(
                    id=key.id,
                    name=key.name,
                    key_hash=key.key_hash,
                    webhook_secret=key.webhook_secret,
                    created_at=key.created_at,
                    revoked=key.revoked,
                )
            )

    def find_key_by_hash(self, key_hash: str) -> ApiKey | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(api_keys).where(
                    api_keys.c.key_hash == key_hash, api_keys.c.revoked.is_(False)
                )
            ).first()
        return _key(row._mapping) if row else None

    def list_keys(self) -> list[ApiKey]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(api_keys).order_by(api_keys.c.created_at, api_keys.c.id))
            return [_key(r._mapping) for r in rows]

    def revoke_key(self, key_id: str) -> bool:
        with self._writer.begin() as conn:
            result = conn.execute(
                update(api_keys)
                .where(api_keys.c.id == key_id, api_keys.c.revoked.is_(False))
                .values(revoked=True)
            )
        return result.rowcount == 1

    # --- tasks and clips ----------------------------------------------------------------
    def create_task(self, task: Task, clips_: Sequence[Clip]) -> None:
        with self._writer.begin() as conn:
            conn.execute(
                tasks.insert().values(
                    id=task.id,
                    key_id=task.key_id,
                    action=task.action.value,
                    mode=task.mode.value,
                    status=task.status.value,
                    submit_time=task.submit_time,
                    request=task.request,
                    notify_hook=task.notify_hook,
                    fail_reason=task.fail_reason,
                    start_time=task.start_time,
                    finish_time=task.finish_time,
                    progress=task.progress,
                    result=task.result,
                )
            )
            if clips_:
                conn.execute(
                    clips.insert(),
                    [
                        dict(
                            id=c.id,
                            task_id=task.id,
                            key_id=c.key_id,
                            idx=c.index,
                            status=c.status.value,
                            title=c.title,
                            mv=c.mv,
                            created_at=c.created_at,
                            metadata=c.metadata,
                            artifacts=c.artifacts,
                            duration=c.duration,
                            attempt=c.attempt,
                            progress=c.progress,
                        )
                        for c in clips_
                    ],
                )

    def get_task(self, task_id: str, key_id: str | None) -> Task | None:
        with self.engine.connect() as conn:
            found = self._tasks(conn, [task_id], key_id)
        return found[0] if found else None

    def get_task_with_clips(
        self, task_id: str, key_id: str | None
    ) -> tuple[Task, list[Clip]] | None:
        """The poll path: `get_task` + `get_clips` in one statement (one snapshot, one trip)."""
        if self._poll_reads is not None:
            return self._get_task_with_clips_driver(task_id, key_id, self._poll_reads)
        if key_id is None:
            statement, params = _TASK_WITH_CLIPS_ANY_KEY, {"task_id": task_id}
        else:
            statement, params = _TASK_WITH_CLIPS, {"task_id": task_id, "key_id": key_id}
        with self.engine.connect() as conn:
            rows = conn.execute(statement, params).all()
        if not rows:
            return None
        found = [_clip_from_joined(row) for row in rows if row[_N_TASK] is not None]
        return _task_from_joined(rows[0], [c.id for c in found]), found

    @staticmethod
    def _get_task_with_clips_driver(
        task_id: str, key_id: str | None, reads: dict[bool, _DriverRead]
    ) -> tuple[Task, list[Clip]] | None:
        read = reads[key_id is not None]
        rows = read.rows({"task_id": task_id, "key_id": key_id})
        if not rows:
            return None
        n_all = _N_TASK + len(_CLIP_COLUMNS)
        # The task's columns repeat on every joined row: convert (parse its JSON) once.
        task_values = read.convert(rows[0], 0, _N_TASK)
        found = [
            _clip_from_joined([*task_values, *read.convert(row, _N_TASK, n_all)])
            for row in rows
            if row[_N_TASK] is not None
        ]
        return _task_from_joined(task_values, [c.id for c in found]), found

    def get_tasks(self, task_ids: Sequence[str], key_id: str) -> list[Task]:
        if not task_ids:
            return []
        with self.engine.connect() as conn:
            found = {t.id: t for t in self._tasks(conn, list(dict.fromkeys(task_ids)), key_id)}
        return [found[i] for i in task_ids if i in found]

    def _tasks(self, conn: Connection, task_ids: list[str], key_id: str | None) -> list[Task]:
        query = select(tasks).where(tasks.c.id.in_(task_ids))
        if key_id is not None:
            query = query.where(tasks.c.key_id == key_id)
        rows = conn.execute(query).all()
        if not rows:
            return []
        clip_rows = conn.execute(
            select(clips.c.task_id, clips.c.id)
            .where(clips.c.task_id.in_([r.id for r in rows]))
            .order_by(clips.c.task_id, clips.c.idx)
        ).all()
        clip_ids: dict[str, list[str]] = {}
        for task_id, clip_id in clip_rows:
            clip_ids.setdefault(task_id, []).append(clip_id)
        return [_task(r._mapping, clip_ids.get(r.id, [])) for r in rows]

    def get_clip(self, clip_id: str, key_id: str | None) -> Clip | None:
        query = select(clips).where(clips.c.id == clip_id)
        if key_id is not None:
            query = query.where(clips.c.key_id == key_id)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return _clip(row._mapping) if row else None

    def get_clips(self, task_id: str) -> list[Clip]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(clips).where(clips.c.task_id == task_id).order_by(clips.c.idx)
            ).all()
        return [_clip(r._mapping) for r in rows]

    def count_open_tasks(self, key_id: str) -> int:
        with self.engine.connect() as conn:
            count = conn.execute(
                select(func.count())
                .select_from(tasks)
                .where(tasks.c.key_id == key_id, tasks.c.status.not_in(_TERMINAL_TASK))
            ).scalar_one()
        return int(count)

    def set_task_status(self, task_id: str, status: TaskStatus, *, fail_reason: str = "") -> None:
        with self._writer.begin() as conn:
            row = conn.execute(
                select(tasks.c.status, tasks.c.start_time).where(tasks.c.id == task_id)
            ).first()
            if row is None:
                return
            self._move_task(
                conn, task_id, TaskStatus(row.status), row.start_time, status, fail_reason
            )

    @staticmethod
    def _move_task(
        conn: Connection,
        task_id: str,
        old: TaskStatus,
        start_time: int,
        new: TaskStatus,
        fail_reason: str,
        progress: int | None = None,
    ) -> None:
        values: dict[str, Any] = {}
        if progress is not None:
            values["progress"] = progress
        if not old.terminal and _TASK_RANK[new] > _TASK_RANK[old]:
            values["status"] = new.value
            now = _now()
            if new in (TaskStatus.IN_PROGRESS, TaskStatus.SUCCESS, TaskStatus.FAILURE):
                if not start_time:
                    values["start_time"] = now
            if new.terminal:
                values["finish_time"] = now
                if new is TaskStatus.SUCCESS:
                    values["progress"] = 100
            if new is TaskStatus.FAILURE:
                values["fail_reason"] = fail_reason or "The task failed."
        if values:
            query = update(tasks).where(tasks.c.id == task_id)
            if "progress" in values and "status" not in values:
                query = query.where(tasks.c.status.not_in(_TERMINAL_TASK))
            conn.execute(query.values(**values))

    def set_task_result(self, task_id: str, result: dict[str, Any]) -> None:
        with self._writer.begin() as conn:
            conn.execute(update(tasks).where(tasks.c.id == task_id).values(result=result))

    def refresh_task(self, task_id: str) -> Task:
        with self._writer.begin() as conn:
            row = conn.execute(select(tasks).where(tasks.c.id == task_id)).first()
            if row is None:
                raise KeyError(task_id)
            clip_rows = conn.execute(
                select(clips.c.status, clips.c.progress, clips.c.metadata)
                .where(clips.c.task_id == task_id)
                .order_by(clips.c.idx)
            ).all()
            old = TaskStatus(row.status)
            if clip_rows and not old.terminal:
                statuses = [ClipStatus(c.status) for c in clip_rows]
                done = [
                    100 if s.terminal else int(c.progress)
                    for s, c in zip(statuses, clip_rows, strict=True)
                ]
                progress = max(int(row.progress), sum(done) // len(done))
                new, reason = old, ""
                if all(s.terminal for s in statuses):
                    errors = [
                        c for s, c in zip(statuses, clip_rows, strict=True) if s is ClipStatus.ERROR
                    ]
                    if errors:
                        new = TaskStatus.FAILURE
                        meta = errors[0].metadata or {}
                        reason = str(meta.get("error_message") or "A clip failed to generate.")
                        progress = int(row.progress)
                    else:
                        new = TaskStatus.SUCCESS
                elif any(s not in (ClipStatus.SUBMITTED, ClipStatus.QUEUED) for s in statuses):
                    new = TaskStatus.IN_PROGRESS
                # Progress below 100 until SUCCESS: 100% means "done" to pollers.
                if new is not TaskStatus.SUCCESS:
                    progress = min(progress, 99)
                    progress = max(progress, int(row.progress))
                self._move_task(conn, task_id, old, row.start_time, new, reason, progress)
            found = self._tasks(conn, [task_id], None)
        return found[0]

    # --- clip life, fenced by attempt -------------------------------------------------
    def _update_live_clip(
        self, conn: Connection, clip_id: str, attempt: int, values: Mapping[str, Any]
    ) -> bool:
        result = conn.execute(
            update(clips)
            .where(
                clips.c.id == clip_id,
                clips.c.attempt == attempt,
                clips.c.status.not_in(_TERMINAL_CLIP),
            )
            .values(**values)
        )
        return result.rowcount == 1

    def start_clip(self, clip_id: str, attempt: int) -> bool:
        with self._writer.begin() as conn:
            result = conn.execute(
                update(clips)
                .where(
                    clips.c.id == clip_id,
                    clips.c.attempt <= attempt,
                    clips.c.status.not_in(_TERMINAL_CLIP),
                )
                .values(status=ClipStatus.STREAMING.value, attempt=attempt)
            )
        return result.rowcount == 1

    def set_clip_progress(
        self, clip_id: str, attempt: int, progress: int, stream_blob: str | None = None
    ) -> bool:
        progress = max(0, min(100, int(progress)))
        with self._writer.begin() as conn:
            row = conn.execute(
                select(clips.c.progress, clips.c.artifacts, clips.c.attempt, clips.c.status).where(
                    clips.c.id == clip_id
                )
            ).first()
            if row is None or row.attempt != attempt or row.status in _TERMINAL_CLIP:
                return False
            values: dict[str, Any] = {"progress": max(int(row.progress), progress)}
            if stream_blob is not None:
                values["artifacts"] = {**(row.artifacts or {}), "stream": stream_blob}
            return self._update_live_clip(conn, clip_id, attempt, values)

    def complete_clip(
        self,
        clip_id: str,
        attempt: int,
        *,
        duration: float,
        artifacts: dict[str, str],
        metadata: dict[str, Any],
        title: str | None = None,
    ) -> bool:
        with self._writer.begin() as conn:
            row = conn.execute(
                select(clips.c.artifacts, clips.c.metadata, clips.c.attempt, clips.c.status).where(
                    clips.c.id == clip_id
                )
            ).first()
            if row is None or row.attempt != attempt or row.status in _TERMINAL_CLIP:
                return False
            values: dict[str, Any] = {
                "status": ClipStatus.COMPLETE.value,
                "duration": float(duration),
                "artifacts": {**(row.artifacts or {}), **artifacts},
                "metadata": {**(row.metadata or {}), **metadata, "duration": float(duration)},
                "progress": 100,
            }
            if title is not None:
                values["title"] = title
            return self._update_live_clip(conn, clip_id, attempt, values)

    def fail_clip(self, clip_id: str, attempt: int | None, error_type: str, message: str) -> bool:
        with self._writer.begin() as conn:
            row = conn.execute(
                select(clips.c.metadata, clips.c.attempt, clips.c.status).where(
                    clips.c.id == clip_id
                )
            ).first()
            if row is None or row.status in _TERMINAL_CLIP:
                return False
            if attempt is not None and row.attempt != attempt:
                return False
            meta = {
                **(row.metadata or {}),
                "error_type": error_type,
                "error_message": message or "The clip failed to generate.",
            }
            query = update(clips).where(
                clips.c.id == clip_id,
                clips.c.attempt == row.attempt,
                clips.c.status.not_in(_TERMINAL_CLIP),
            )
            result = conn.execute(query.values(status=ClipStatus.ERROR.value, metadata=meta))
        return result.rowcount == 1

    def add_artifact(self, clip_id: str, kind: str, blob_id: str) -> None:
        with self._writer.begin() as conn:
            row = conn.execute(select(clips.c.artifacts).where(clips.c.id == clip_id)).first()
            if row is None:
                raise KeyError(clip_id)
            conn.execute(
                update(clips)
                .where(clips.c.id == clip_id)
                .values(artifacts={**(row.artifacts or {}), kind: blob_id})
            )

    def update_clip_metadata(self, clip_id: str, patch: dict[str, Any]) -> None:
        with self._writer.begin() as conn:
            row = conn.execute(select(clips.c.metadata).where(clips.c.id == clip_id)).first()
            if row is None:
                raise KeyError(clip_id)
            conn.execute(
                update(clips)
                .where(clips.c.id == clip_id)
                .values(metadata={**(row.metadata or {}), **patch})
            )

    # --- personas ----------------------------------------------------------------------
    def create_persona(self, persona: Persona) -> None:
        with self._writer.begin() as conn:
            conn.execute(
                personas.insert().values(
                    id=persona.id,
                    key_id=persona.key_id,
                    name=persona.name,
                    description=persona.description,
                    root_clip_id=persona.root_clip_id,
                    clip_ids=list(persona.clip_ids),
                    is_public=persona.is_public,
                    created_at=persona.created_at,
                    profile=persona.profile,
                )
            )

    def get_persona(self, persona_id: str, key_id: str | None) -> Persona | None:
        query = select(personas).where(personas.c.id == persona_id)
        if key_id is not None:
            query = query.where(personas.c.key_id == key_id)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        m = row._mapping
        return Persona(
            id=m["id"],
            key_id=m["key_id"],
            name=m["name"],
            description=m["description"],
            root_clip_id=m["root_clip_id"],
            clip_ids=list(m["clip_ids"] or []),
            is_public=bool(m["is_public"]),
            created_at=_aware(m["created_at"]),
            profile=dict(m["profile"] or {}),
        )

    # --- health ------------------------------------------------------------------------
    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def task_counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(tasks.c.status, func.count()).group_by(tasks.c.status)).all()
        return {str(status): int(count) for status, count in rows}


def _key(m: Any) -> ApiKey:
    return ApiKey(
        id=m["id"],
        name=m["name"],
        key_hash=m["key_hash"],
        webhook_secret=m["webhook_secret"],
        created_at=_aware(m["created_at"]),
        revoked=bool(m["revoked"]),
    )


def _task(m: Any, clip_ids: list[str]) -> Task:
    return Task(
        id=m["id"],
        key_id=m["key_id"],
        action=Action(m["action"]),
        mode=Mode(m["mode"]),
        status=TaskStatus(m["status"]),
        submit_time=int(m["submit_time"]),
        request=dict(m["request"] or {}),
        notify_hook=m["notify_hook"] or "",
        fail_reason=m["fail_reason"] or "",
        start_time=int(m["start_time"] or 0),
        finish_time=int(m["finish_time"] or 0),
        progress=int(m["progress"] or 0),
        clip_ids=clip_ids,
        result=m["result"],
    )


def _task_from_joined(row: Sequence[Any], clip_ids: list[str]) -> Task:
    # Positional unpacking in _TASK_COLUMNS order: cheaper than name lookups on a row mapping.
    (
        id_, key_id, action, mode, status, submit_time, request, notify_hook, fail_reason,
        start_time, finish_time, progress, result,
    ) = row[:_N_TASK]  # fmt: skip
    return Task(
        id=id_,
        key_id=key_id,
        action=Action(action),
        mode=Mode(mode),
        status=TaskStatus(status),
        submit_time=int(submit_time),
        request=dict(request or {}),
        notify_hook=notify_hook or "",
        fail_reason=fail_reason or "",
        start_time=int(start_time or 0),
        finish_time=int(finish_time or 0),
        progress=int(progress or 0),
        clip_ids=clip_ids,
        result=result,
    )


def _clip_from_joined(row: Sequence[Any]) -> Clip:
    (
        id_, key_id, idx, status, title, mv, created_at, metadata, artifacts, duration, attempt,
        progress,
    ) = row[_N_TASK:]  # fmt: skip
    return Clip(
        id=id_,
        task_id=row[0],
        key_id=key_id,
        index=int(idx),
        status=ClipStatus(status),
        title=title or "",
        mv=mv,
        created_at=_aware(created_at),
        metadata=dict(metadata or {}),
        artifacts=dict(artifacts or {}),
        duration=duration,
        attempt=int(attempt or 0),
        progress=int(progress or 0),
    )


def _clip(m: Any) -> Clip:
    return Clip(
        id=m["id"],
        task_id=m["task_id"],
        key_id=m["key_id"],
        index=int(m["idx"]),
        status=ClipStatus(m["status"]),
        title=m["title"] or "",
        mv=m["mv"],
        created_at=_aware(m["created_at"]),
        metadata=dict(m["metadata"] or {}),
        artifacts=dict(m["artifacts"] or {}),
        duration=m["duration"],
        attempt=int(m["attempt"] or 0),
        progress=int(m["progress"] or 0),
    )
