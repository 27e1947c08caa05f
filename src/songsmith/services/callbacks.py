"""`notify_hook` callbacks: the task object POSTed as signed JSON, retried, never failing a task.

Signature (suno-wire.md section 5): header `X-Songsmith-Signature: t=<unix>,v1=<hex>` where hex is
HMAC-SHA256 of `"<t>.<body>"` under the API key's webhook secret. A fresh `t` is signed on every
try so receivers can refuse stale replays. Delivery goes through the SSRF-safe fetch (same guard
as uploads) on a background thread, so a slow or dead receiver never holds up a worker.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from songsmith.config import Settings
from songsmith.domain.errors import InvalidRequest
from songsmith.domain.models import ApiKey, Clip, Task
from songsmith.net.errors import FetchError, InvalidUrl
from songsmith.net.fetch import safe_fetch
from songsmith.net.guard import AddressPolicy
from songsmith.net.urls import Resolver, validate_url
from songsmith.store.typing import Store

log = logging.getLogger("songsmith.callbacks")

SIGNATURE_HEADER = "X-Songsmith-Signature"
DEFAULT_TRIES = 5
DEFAULT_BACKOFF_S = 1.0  # waits 1, 2, 4, 8 s between the 5 tries
RESPONSE_CAP_BYTES = 64 * 1024  # the receiver's answer is not used; read little of it

TaskRenderer = Callable[[Task, Sequence[Clip]], dict[str, Any]]


def sign(secret: str, body: bytes, t: int) -> str:
    """The `X-Songsmith-Signature` header value for `body` sent at unix time `t`."""
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256)
    return f"t={t},v1={mac.hexdigest()}"


def verify(
    secret: str, body: bytes, header: str, *, tolerance_s: float = 300.0, now: float | None = None
) -> bool:
    """What a receiver does: the signature matches and `t` is within `tolerance_s` of now."""
    fields: dict[str, str] = {}
    for part in header.split(","):
        name, sep, value = part.strip().partition("=")
        if sep:
            fields.setdefault(name, value)
    t_text, given = fields.get("t", ""), fields.get("v1", "")
    if not t_text.isdigit() or not given:
        return False
    t = int(t_text)
    if abs((time.time() if now is None else now) - t) > tolerance_s:
        return False
    expected = sign(secret, body, t).rpartition("v1=")[2]
    return hmac.compare_digest(expected, given)


def encode_payload(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def fetch_policy(settings: Settings) -> AddressPolicy:
    return AddressPolicy.from_setting(settings.fetch_allow_cidrs)


def validate_hook_url(url: str, settings: Settings, *, resolver: Resolver | None = None) -> str:
    """A `notify_hook` checked at submit like an upload URL; `InvalidRequest` (400) if refused.

    Delivery checks it again (DNS answers can change), so this is a courtesy to the client.
    """
    try:
        target = validate_url(
            url, fetch_policy(settings), resolver=resolver, timeout_s=settings.fetch_timeout_s
        )
    except InvalidUrl as exc:
        raise InvalidRequest(f"notify_hook: {exc.message}") from None
    return target.parsed.url


def deliver(
    url: str,
    payload: dict[str, Any],
    secret: str,
    settings: Settings,
    *,
    tries: int = DEFAULT_TRIES,
    backoff_s: float = DEFAULT_BACKOFF_S,
    policy: AddressPolicy | None = None,
    resolver: Resolver | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """POST `payload` as signed JSON to `url`; True once a try gets a 2xx. Never raises.

    Up to `tries` attempts, waiting `backoff_s * 2**n` between them. A URL that is malformed or
    points at a blocked address is not retried: it will not become acceptable.
    """
    try:
        body = encode_payload(payload)
        guard = policy or fetch_policy(settings)
        for attempt in range(1, tries + 1):
            headers = {
                "content-type": "application/json",
                SIGNATURE_HEADER: sign(secret, body, int(time.time())),
            }
            try:
                result = safe_fetch(
                    url, policy=guard, max_bytes=RESPONSE_CAP_BYTES,
                    timeout_s=settings.fetch_timeout_s, method="POST", body=body,
                    headers=headers, max_redirects=0, resolver=resolver,
                )  # fmt: skip
            except InvalidUrl as exc:
                if exc.code != "dns_failure":
                    log.warning("notify_hook refused (%s): %s", exc.code, exc.message)
                    return False
                log.info("notify_hook try %d/%d: %s", attempt, tries, exc.message)
            except FetchError as exc:
                log.info("notify_hook try %d/%d failed: %s", attempt, tries, exc.message)
            else:
                if 200 <= result.status < 300:
                    return True
                log.info("notify_hook try %d/%d: HTTP %d", attempt, tries, result.status)
            if attempt < tries:
                sleep(backoff_s * 2 ** (attempt - 1))
        log.warning("notify_hook gave up after %d tries", tries)
        return False
    except Exception:  # a callback must never take anything down with it
        log.exception("notify_hook delivery crashed")
        return False


def _webhook_secret(store: Store, key_id: str) -> str | None:
    get_key: Callable[[str], ApiKey | None] | None = getattr(store, "get_key", None)
    if get_key is not None:
        key = get_key(key_id)
    else:  # stores written before `get_key` joined the port
        key = next((k for k in store.list_keys() if k.id == key_id), None)
    if key is None or key.revoked:
        return None
    return key.webhook_secret


def wire_renderer(settings: Settings, blob_url: Callable[[str], str] | None = None) -> TaskRenderer:
    """The task object exactly as `GET /suno/fetch/{id}` shows it (the API's own mapping).

    The one place that adapts to `api.suno.mapping.task_to_wire`'s signature. `blob_url` (blob id
    -> absolute URL) defaults to the local blob folder's URLs under the public base URL.
    """
    from songsmith.api.suno.mapping import task_to_wire

    if blob_url is None:
        from songsmith.blobs.factory import make_blobs

        blob_url = make_blobs(settings).url
    url_of = blob_url

    def render(task: Task, clips: Sequence[Clip]) -> dict[str, Any]:
        return task_to_wire(task, clips, url_of)

    return render


def notify_task(
    store: Store,
    task_id: str,
    settings: Settings,
    *,
    render: TaskRenderer | None = None,
    blob_url: Callable[[str], str] | None = None,
    tries: int = DEFAULT_TRIES,
    backoff_s: float = DEFAULT_BACKOFF_S,
    policy: AddressPolicy | None = None,
    resolver: Resolver | None = None,
) -> threading.Thread | None:
    """Send the task's current object to its `notify_hook`, on a daemon thread; returns the
    thread (None when there is nothing to send). The payload is read now, so it shows the
    status that triggered the call even if the task moves on while the receiver is slow."""
    try:
        task = store.get_task(task_id, None)
        if task is None or not task.notify_hook:
            return None
        secret = _webhook_secret(store, task.key_id)
        if secret is None:
            log.warning("notify_hook of task %s skipped: its API key is gone", task_id)
            return None
        payload = (render or wire_renderer(settings, blob_url))(task, store.get_clips(task_id))
    except Exception:
        log.exception("notify_hook of task %s: cannot build the payload", task_id)
        return None
    thread = threading.Thread(
        target=deliver,
        args=(task.notify_hook, payload, secret, settings),
        kwargs={"tries": tries, "backoff_s": backoff_s, "policy": policy, "resolver": resolver},
        name=f"songsmith-callback-{task_id}",
        daemon=True,
    )
    thread.start()
    return thread
