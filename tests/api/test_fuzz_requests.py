"""S7-lite: random bodies against the request parsers over HTTP: never a 5xx, never a 422."""

from __future__ import annotations

from typing import Any

import httpx
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from api.helpers import Api
from songsmith.api.suno.schemas import MusicSubmitBody

FIELDS = sorted(MusicSubmitBody.model_fields)
json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=30),
    st.sampled_from(["chirp-v4", "chirp-auk", "extend", "gen_stem", "12.5", "-1", "f", "m"]),
)  # fmt: skip
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
bodies = st.dictionaries(
    st.one_of(st.sampled_from(FIELDS), st.text(max_size=10)), json_values, max_size=8
)
FUZZ = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(response: httpx.Response) -> None:
    assert response.status_code in (200, 400), response.text
    body = response.json()
    if response.status_code == 400:
        assert set(body) == {"code", "message", "data"} and body["message"], body
    else:
        assert body["code"] == "success" and isinstance(body["data"], str)


@FUZZ
@given(body=bodies)
def test_submit_music_never_errors_on_the_server(api: Api, body: dict[str, Any]) -> None:
    with api.client(_key(api)) as client:
        _check(client.post("/suno/submit/music", json=body))


@FUZZ
@given(body=bodies, route=st.sampled_from(
    ["/suno/submit/lyrics", "/suno/fetch", "/suno/submit/concat", "/suno/persona/create",
     "/suno/uploads/audio-url"]))  # fmt: skip
def test_other_bodies_never_error_on_the_server(api: Api, body: Any, route: str) -> None:
    with api.client(_key(api)) as client:
        response = client.post(route, json=body)
    assert response.status_code in (200, 400), response.text


@settings(max_examples=40, deadline=None)
@given(raw=st.binary(max_size=200))
def test_raw_bytes_never_error_on_the_server(api: Api, raw: bytes) -> None:
    with api.client(_key(api)) as client:
        response = client.post(
            "/suno/submit/music", content=raw, headers={"content-type": "application/json"}
        )
    assert response.status_code in (200, 400), response.text


def test_non_finite_numbers_are_400(api: Api) -> None:
    """Python's JSON reader turns 1e999 into inf; it must not reach the store."""
    with api.client(_key(api)) as client:
        for raw in (b'{"tags": "x", "extra": 1e999}', b'{"tags": "x", "continue_at": -1e999}',
                    b'{"tags": "x", "metadata": {"k": [1e999]}}'):  # fmt: skip
            response = client.post(
                "/suno/submit/music", content=raw, headers={"content-type": "application/json"}
            )
            assert response.status_code == 400, response.text
            assert response.json()["code"] == "invalid_request"


_KEYS: dict[int, Any] = {}


def _key(api: Api) -> Any:
    if id(api) not in _KEYS:
        _KEYS[id(api)] = api.key("fuzz")
    return _KEYS[id(api)]


@settings(max_examples=40, deadline=None)
@given(ident=st.text(min_size=1, max_size=300))
@example(ident="/")  # once answered 307 (a redirect to the slash-less route)
def test_random_ids_in_paths_never_error_on_the_server(api: Api, ident: str) -> None:
    from urllib.parse import quote

    with api.client(_key(api)) as client:
        for route in ("/suno/fetch/", "/suno/act/timing/", "/suno/act/wav/"):
            response = client.get(route + quote(ident, safe=""))
            assert response.status_code in (400, 404), (ident, response.text)
        response = client.get("/files/" + quote(ident, safe=""))
        assert response.status_code == 404
