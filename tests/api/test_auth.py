"""Auth (S1): identical 401s, keys stored only as hashes, no plaintext key anywhere."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest

from api.helpers import Api, running_api, submit_custom
from songsmith.services.keys import KEY_PREFIX, ensure_env_key, hash_key


def test_key_format(api: Api) -> None:
    created = api.key()
    assert created.secret.startswith(KEY_PREFIX)
    assert len(created.secret) == len(KEY_PREFIX) + 43  # 32 bytes, urlsafe base64, no padding
    assert created.key.key_hash == hash_key(created.secret)
    assert created.key.webhook_secret and created.key.webhook_secret != created.secret


def test_every_bad_credential_gets_the_byte_identical_401(api: Api) -> None:
    revoked = api.key("revoked")
    assert api.store.revoke_key(revoked.key.id)
    api.app.state.songsmith.authenticator.forget(revoked.key.id)
    wrong = KEY_PREFIX + "A" * 43
    headers: list[dict[str, str]] = [
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer not-a-key"},
        {"Authorization": f"Bearer {wrong}"},
        {"Authorization": f"Bearer {revoked.secret}"},
        {"Authorization": "Bearer " + "sk-" + "x" * 5000},
    ]
    bodies = set()
    with httpx.Client(base_url=api.base_url) as client:
        for h in headers:
            for method, path in (("GET", "/suno/fetch/x"), ("POST", "/suno/submit/music")):
                response = client.request(method, path, headers=h, json={"tags": "x"})
                assert response.status_code == 401, (h, response.text)
                bodies.add(response.content)
    assert len(bodies) == 1
    assert next(iter(bodies)) == (
        b'{"error":{"message":"Invalid or missing API key. Send \'Authorization: Bearer sk-...\'.",'
        b'"type":"songsmith_api_error","param":"","code":"invalid_api_key"}}'
    )


def test_auth_comes_before_body_validation(api: Api) -> None:
    with httpx.Client(base_url=api.base_url) as client:
        assert client.post("/suno/submit/music", content=b"{bad").status_code == 401
        for body in (b"{bad", b"[1]", b'{"tags": 5}'):
            response = client.post(
                "/suno/submit/music", content=body, headers={"content-type": "application/json"}
            )
            assert response.status_code == 401, response.text


def test_env_key_is_accepted_and_stored_hashed(tmp_path: Path) -> None:
    secret = KEY_PREFIX + "environment-key-for-tests"
    with running_api(tmp_path, api_key=secret) as api:
        record = ensure_env_key(api.store, secret)  # create_app registered it already
        assert record is not None and record.key_hash == hash_key(secret)
        assert len(api.store.list_keys()) == 1
        assert ensure_env_key(api.store, secret) == record  # idempotent across restarts
        with api.client(secret) as client:
            assert client.post("/suno/submit/music", json={"tags": "x"}).status_code == 200
        with pytest.raises(ValueError):
            ensure_env_key(api.store, "not-sk-prefixed")


def test_no_plaintext_key_in_database_logs_or_error_bodies(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with running_api(tmp_path) as api:
        key = api.key()
        secrets_ = [key.secret]
        bodies: list[bytes] = []
        with api.client(key) as client:
            task_id = submit_custom(client, unknown_field="debug-logged")
            bodies.append(client.get(f"/suno/fetch/{task_id}").content)
            for path in ("/suno/fetch/nope", "/suno/act/timing/nope", "/suno/nope"):
                bodies.append(client.get(path).content)
            bodies.append(client.post("/suno/submit/music", content=b"{bad").content)
            bodies.append(client.post("/suno/submit/music", json={"tags": 1}).content)
        wrong = KEY_PREFIX + "Z" * 43
        secrets_.append(wrong)
        with api.client(wrong) as client:
            bodies.append(client.get("/suno/fetch/x").content)
        api.store.close()
        files = sorted(p for p in tmp_path.rglob("*") if p.is_file())
        assert any(p.name.startswith("songsmith.db") for p in files)
        for secret in secrets_:
            needle = secret.encode()
            body_part = secret[len(KEY_PREFIX) :].encode()
            for path in files:
                content = path.read_bytes()
                assert needle not in content and body_part not in content, path
            assert all(needle not in b and body_part not in b for b in bodies)
            assert secret not in caplog.text and secret[len(KEY_PREFIX) :] not in caplog.text
