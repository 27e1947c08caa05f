"""The LLM writer against a real local HTTP server speaking OpenAI's chat-completions shape (the
stub endpoint is the edge of the world); every failure falls back to the built-in lyricist."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from songsmith.config import Settings
from songsmith.lyrics import write_lyrics
from songsmith.lyrics.llm import chat_completions_url, parse_draft

GOOD_LYRICS = (
    "[Verse 1]\nThe lighthouse blinks across the bay\nI count the ships that sail away\n\n"
    "[Chorus]\nHarbor lights, carry me home\nOver the water, over the foam\n\n"
    "[Bridge]\nSalt on my lips, wind in my hair\n\n"
    "[Chorus]\nHarbor lights, carry me home\nOver the water, over the foam"
)


def _completion(content: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}}],
    }


@dataclass
class StubEndpoint:
    """What the stub answers next, and what it was asked."""

    status: int = 200
    body: bytes = b""
    delay_s: float = 0.0
    requests: list[tuple[str, dict[str, str], dict[str, Any]]] = field(default_factory=list)
    url: str = ""

    def answer(self, content: str) -> None:
        self.status, self.body = 200, json.dumps(_completion(content)).encode()


@pytest.fixture
def stub() -> Iterator[StubEndpoint]:
    state = StubEndpoint()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            payload = json.loads(self.rfile.read(length))
            state.requests.append((self.path, dict(self.headers.items()), payload))
            time.sleep(state.delay_s)
            try:
                self.send_response(state.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(state.body)))
                self.end_headers()
                self.wfile.write(state.body)
            except OSError:  # the client gave up (timeout test)
                pass

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _settings(url: str, timeout_s: float = 5.0) -> Settings:
    return Settings(
        llm_base_url=url, llm_api_key="sk-test", llm_model="tiny", llm_timeout_s=timeout_s
    )


PROMPT = "harbor lights at night"


def test_valid_json_answer_is_used(stub: StubEndpoint) -> None:
    stub.answer(json.dumps({"title": "Harbor Lights", "tags": "folk, calm", "lyrics": GOOD_LYRICS}))
    result = write_lyrics(PROMPT, 5, _settings(stub.url))
    assert result.writer == "llm"
    assert result.title == "Harbor Lights"
    assert result.tags == "folk, calm"
    assert result.text == GOOD_LYRICS
    path, headers, payload = stub.requests[0]
    assert path == "/v1/chat/completions"
    assert headers["Authorization"] == "Bearer sk-test"
    assert payload["model"] == "tiny"
    assert payload["messages"][-1] == {"role": "user", "content": PROMPT}


def test_plain_text_answer_with_headers_and_chatter(stub: StubEndpoint) -> None:
    stub.answer("Sure! Here is your song.\nTitle: Harbor Lights\n\n" + GOOD_LYRICS + "\n")
    result = write_lyrics(PROMPT, 5, _settings(stub.url + "/v1"))
    assert result.writer == "llm"
    assert result.title == "Harbor Lights"
    assert result.text == GOOD_LYRICS
    assert result.tags.endswith("vocals")  # none given: the built-in suggestion stands in


@pytest.mark.parametrize(
    "broken",
    [
        pytest.param(lambda s: s.answer("I cannot write lyrics today."), id="no-markers"),
        pytest.param(lambda s: s.answer("[Verse]\n\n[Chorus]\nla la"), id="empty-section"),
        pytest.param(lambda s: s.answer("[Verse]\n" + "word " * 800), id="too-long"),
        pytest.param(lambda s: setattr(s, "status", 500), id="status-500"),
        pytest.param(lambda s: setattr(s, "body", b"<html>oops</html>"), id="not-json"),
        pytest.param(lambda s: setattr(s, "body", b'{"choices": []}'), id="no-choices"),
    ],
)
def test_bad_answers_fall_back_to_builtin(
    stub: StubEndpoint, broken: Callable[[StubEndpoint], None]
) -> None:
    broken(stub)
    result = write_lyrics(PROMPT, 5, _settings(stub.url))
    assert result.writer == "builtin"
    assert result.text.count("[Chorus]") >= 2
    assert len(stub.requests) == 1


def test_timeout_falls_back_within_the_limit(stub: StubEndpoint) -> None:
    stub.answer(json.dumps({"title": "Late", "lyrics": GOOD_LYRICS}))
    stub.delay_s = 2.0
    started = time.monotonic()
    result = write_lyrics(PROMPT, 5, _settings(stub.url, timeout_s=0.3))
    assert result.writer == "builtin"
    assert time.monotonic() - started < 1.8


def test_unreachable_endpoint_falls_back() -> None:
    result = write_lyrics(PROMPT, 5, _settings("http://127.0.0.1:9", timeout_s=1.0))
    assert result.writer == "builtin"


def test_no_endpoint_configured_uses_builtin() -> None:
    result = write_lyrics(PROMPT, 5, Settings())
    assert result.writer == "builtin" and result.tags and result.title


def test_endpoint_url_forms() -> None:
    full = "http://h:1/v1/chat/completions"
    assert chat_completions_url("http://h:1") == full
    assert chat_completions_url("http://h:1/v1/") == full
    assert chat_completions_url(full) == full


def test_parse_draft_reads_fenced_json() -> None:
    fenced = (
        "```json\n" + json.dumps({"title": "T", "tags": "pop", "lyrics": GOOD_LYRICS}) + "\n```"
    )
    assert parse_draft(fenced) == ("T", "pop", GOOD_LYRICS)
