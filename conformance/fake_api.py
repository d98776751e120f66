"""A fake model API on 127.0.0.1 that records what an agent sends and ends its turn.

It speaks the four wire formats agent CLIs use: OpenAI chat completions, the OpenAI Responses
API, Anthropic messages and Gemini generateContent, each plain or streamed (server-sent events).
Every request is recorded whatever its path, so an agent that talks a format of its own (a
vendor backend) still shows what it would have sent. The answer is always one short final text
with no tool call, so the agent has nothing left to do and ends its turn.

Standard library only: the harness must run before any agent is installed.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

REPLY = "Done."
# A request body larger than this is cut: agents send their whole context, a few hundred KiB at
# most; anything bigger is not an agent turn and must not fill the harness' memory.
MAX_BODY = 32 * 1024 * 1024
# Headers never recorded: a run uses fake keys, but a scheduled run must not be able to leak a
# real one into the results by accident.
SECRET_HEADERS = frozenset(
    {"authorization", "x-api-key", "x-goog-api-key", "api-key", "cookie", "proxy-authorization"}
)


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: str


@dataclass
class Recorder:
    requests: list[Recorded] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, item: Recorded) -> None:
        with self.lock:
            self.requests.append(item)

    def snapshot(self) -> list[Recorded]:
        with self.lock:
            return list(self.requests)

    def clear(self) -> None:
        with self.lock:
            self.requests.clear()


def _sse(event: str | None, data: object) -> bytes:
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(data)}\n\n".encode()


def classify(path: str) -> str:
    """The wire format a request path belongs to ("other" for anything unknown)."""
    bare = path.split("?", 1)[0]
    if bare.endswith("/chat/completions"):
        return "openai-chat"
    if bare.endswith("/responses"):
        return "openai-responses"
    if bare.endswith("/messages/count_tokens"):
        return "anthropic-count"
    if bare.endswith("/messages"):
        return "anthropic"
    if re.search(r":(stream)?[gG]enerateContent$", bare):
        return "gemini"
    if bare.endswith(":countTokens"):
        return "gemini-count"
    if bare.endswith("/models") or re.search(r"/models/[^/:]+$", bare):
        return "models"
    return "other"


def wants_stream(path: str, body: dict[str, Any]) -> bool:
    if ":streamGenerateContent" in path:
        return True
    return bool(body.get("stream"))


def openai_chat(model: str, stream: bool) -> list[bytes] | dict[str, Any]:
    created = int(time.time())
    if not stream:
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": created,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": REPLY},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12},
        }
    base = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": created}
    base["model"] = model
    chunks = [
        {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]},
        {**base, "choices": [{"index": 0, "delta": {"content": REPLY}}]},
        {
            **base,
            "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12},
        },
    ]
    return [_sse(None, c) for c in chunks] + [b"data: [DONE]\n\n"]


def openai_responses(model: str, stream: bool) -> list[bytes] | dict[str, Any]:
    message = {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": REPLY, "annotations": []}],
    }
    usage = {
        "input_tokens": 10,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": 2,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 12,
    }
    done = {
        "id": "resp_fake",
        "object": "response",
        "created_at": int(time.time()),
        "status": "completed",
        "model": model,
        "output": [message],
        "usage": usage,
    }
    if not stream:
        return done
    started = {**done, "status": "in_progress", "output": [], "usage": None}
    item_start = {**message, "status": "in_progress", "content": []}
    part = {"type": "output_text", "text": "", "annotations": []}
    events: list[tuple[str, dict[str, Any]]] = [
        ("response.created", {"response": started}),
        ("response.in_progress", {"response": started}),
        ("response.output_item.added", {"output_index": 0, "item": item_start}),
        (
            "response.content_part.added",
            {"item_id": "msg_fake", "output_index": 0, "content_index": 0, "part": part},
        ),
        (
            "response.output_text.delta",
            {"item_id": "msg_fake", "output_index": 0, "content_index": 0, "delta": REPLY},
        ),
        (
            "response.output_text.done",
            {"item_id": "msg_fake", "output_index": 0, "content_index": 0, "text": REPLY},
        ),
        (
            "response.content_part.done",
            {
                "item_id": "msg_fake",
                "output_index": 0,
                "content_index": 0,
                "part": {**part, "text": REPLY},
            },
        ),
        ("response.output_item.done", {"output_index": 0, "item": message}),
        ("response.completed", {"response": done}),
    ]
    return [
        _sse(name, {"type": name, "sequence_number": i, **data})
        for i, (name, data) in enumerate(events)
    ]


def anthropic(model: str, stream: bool) -> list[bytes] | dict[str, Any]:
    usage = {"input_tokens": 10, "output_tokens": 2}
    full = {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": REPLY}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": usage,
    }
    if not stream:
        return full
    start = {**full, "content": [], "stop_reason": None, "usage": {**usage, "output_tokens": 0}}
    events: list[tuple[str, dict[str, Any]]] = [
        ("message_start", {"message": start}),
        ("content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}}),
        ("content_block_delta", {"index": 0, "delta": {"type": "text_delta", "text": REPLY}}),
        ("content_block_stop", {"index": 0}),
        (
            "message_delta",
            {"delta": {"stop_reason": "end_turn", "stop_sequence": None}, "usage": usage},
        ),
        ("message_stop", {}),
    ]
    return [_sse(name, {"type": name, **data}) for name, data in events]


def gemini(model: str, stream: bool) -> list[bytes] | dict[str, Any]:
    full = {
        "candidates": [
            {
                "content": {"role": "model", "parts": [{"text": REPLY}]},
                "finishReason": "STOP",
                "index": 0,
            }
        ],
        "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 2, "totalTokenCount": 12},
        "modelVersion": model,
    }
    if not stream:
        return full
    return [_sse(None, full)]


def models_list() -> dict[str, Any]:
    names = ["fake-model", "gpt-5", "claude-sonnet-4-5", "gemini-2.5-pro"]
    return {
        "object": "list",
        "data": [{"id": n, "object": "model", "created": 0, "owned_by": "fake"} for n in names],
        "models": [
            {"name": f"models/{n}", "supportedGenerationMethods": ["generateContent"]}
            for n in names
        ],
    }


def answer(path: str, raw: bytes) -> tuple[int, list[bytes] | dict[str, Any]]:
    """The status and reply (a JSON object, or SSE chunks) for one request."""
    try:
        body = json.loads(raw) if raw else {}
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    kind = classify(path)
    model = str(body.get("model") or "fake-model")
    stream = wants_stream(path, body)
    if kind == "openai-chat":
        return 200, openai_chat(model, stream)
    if kind == "openai-responses":
        return 200, openai_responses(model, stream)
    if kind == "anthropic":
        return 200, anthropic(model, stream)
    if kind == "anthropic-count":
        return 200, {"input_tokens": 10}
    if kind == "gemini":
        return 200, gemini(model, stream)
    if kind == "gemini-count":
        return 200, {"totalTokens": 10}
    if kind == "models":
        return 200, models_list()
    # A vendor's own backend: the body is recorded; an empty object is the least surprising
    # answer to a call we do not model.
    return 200, {}


class _Handler(BaseHTTPRequestHandler):
    server: FakeServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the recording is the log."""

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = bytearray()
            while len(out) <= MAX_BODY:
                size_line = self.rfile.readline(1024).split(b";", 1)[0].strip()
                size = int(size_line or b"0", 16)
                if size == 0:
                    self.rfile.readline(1024)
                    break
                out += self.rfile.read(size)
                self.rfile.readline(1024)
            return bytes(out[:MAX_BODY])
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(min(length, MAX_BODY)) if length > 0 else b""

    def _handle(self) -> None:
        raw = self._read_body()
        encoding = self.headers.get("Content-Encoding", "").lower()
        if encoding in ("gzip", "deflate", "br", "zstd") and raw:
            raw = _decompress(encoding, raw)
        headers = {k.lower(): v for k, v in self.headers.items()}
        safe = {k: v for k, v in headers.items() if k not in SECRET_HEADERS}
        self.server.recorder.add(
            Recorded(self.command, self.path, safe, raw.decode("utf-8", "replace"))
        )
        status, reply = answer(self.path, raw) if self.command == "POST" else (200, models_list())
        if isinstance(reply, list):
            self.send_response(status)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            for chunk in reply:
                self.wfile.write(chunk)
                self.wfile.flush()
            self.close_connection = True
            return
        data = json.dumps(reply).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_POST = _handle
    do_GET = _handle
    do_PUT = _handle


def _decompress(encoding: str, raw: bytes) -> bytes:
    import gzip
    import zlib

    try:
        if encoding == "gzip":
            return gzip.decompress(raw)
        if encoding == "deflate":
            return zlib.decompress(raw)
    except (OSError, zlib.error):
        return raw
    # br/zstd need third-party modules; the raw bytes are kept and the sentinel search will
    # simply not find the rules in them, which the results show as NOT LOADED with the reason.
    return raw


class FakeServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        # Port 0: the kernel picks a free port, so parallel runs never collide.
        super().__init__(("127.0.0.1", 0), _Handler)
        self.recorder = Recorder()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeServer:
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


def main() -> int:
    """Serve until interrupted, printing the URL; for trying an agent by hand."""
    with FakeServer() as server:
        print(server.url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
