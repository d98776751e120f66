"""The conformance harness' own parts: the fake model API, the sentinel search, the results.

The real agents run only in the scheduled workflow (they download gigabytes); here a small
Python script plays the agent, reading files from the scratch repository the real airules
wrote and posting them to the fake API over HTTP, so the whole measuring path is exercised.
"""

from __future__ import annotations

import gzip
import http.client
import json
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from conformance import analyze, harness, run
from conformance.agents import AGENTS, Agent
from conformance.fake_api import REPLY, FakeServer, classify

ROOT = Path(__file__).resolve().parent.parent
# The harness drives agents on Linux only (so does its workflow): it runs them in their own
# process group, ends what they leave behind through /proc, and hands them a minimal environment
# that Windows' Python could not start in.
needs_linux = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the conformance harness runs agents on Linux"
)


def post(
    server: FakeServer, path: str, body: object, headers: dict[str, str] | None = None
) -> tuple[int, str, bytes]:
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(str(host), int(port), timeout=10)
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    conn.request("POST", path, raw, {"Content-Type": "application/json", **(headers or {})})
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, resp.getheader("Content-Type") or "", data


def sse_events(data: bytes) -> list[tuple[str | None, Any]]:
    """Parse a server-sent-events stream the way clients do: blank-line separated events."""
    out: list[tuple[str | None, Any]] = []
    for block in data.decode().split("\n\n"):
        if not block.strip():
            continue
        event = None
        payload = ""
        for line in block.splitlines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                payload += line[6:]
        out.append((event, payload if payload == "[DONE]" else json.loads(payload)))
    return out


@pytest.fixture
def server() -> Any:
    with FakeServer() as s:
        yield s


def test_server_binds_loopback_on_a_free_port(server: FakeServer) -> None:
    host, port = server.server_address[:2]
    assert host == "127.0.0.1"
    assert port != 0
    with FakeServer() as other:
        assert other.url != server.url


def test_openai_chat_plain_and_streamed(server: FakeServer) -> None:
    body = {"model": "m", "messages": [{"role": "system", "content": "rules"}]}
    status, ctype, data = post(server, "/v1/chat/completions", body)
    assert status == 200 and ctype == "application/json"
    reply = json.loads(data)
    assert reply["choices"][0]["message"]["content"] == REPLY
    assert reply["choices"][0]["finish_reason"] == "stop"
    assert "tool_calls" not in reply["choices"][0]["message"]

    status, ctype, data = post(server, "/v1/chat/completions", {**body, "stream": True})
    assert ctype == "text/event-stream"
    events = sse_events(data)
    assert events[-1] == (None, "[DONE]")
    text = "".join(e["choices"][0]["delta"].get("content", "") for _, e in events[:-1])
    assert text == REPLY
    assert events[-2][1]["choices"][0]["finish_reason"] == "stop"


def test_openai_responses_plain_and_streamed(server: FakeServer) -> None:
    body = {"model": "gpt-5", "instructions": "rules", "input": []}
    reply = json.loads(post(server, "/v1/responses", body)[2])
    assert reply["status"] == "completed"
    assert reply["output"][0]["content"][0]["text"] == REPLY

    events = sse_events(post(server, "/v1/responses", {**body, "stream": True})[2])
    names = [name for name, _ in events]
    assert names[0] == "response.created"
    assert names[-1] == "response.completed"
    # Every event repeats its name in "type", and sequence numbers count up from 0.
    assert all(data["type"] == name for name, data in events)
    assert [data["sequence_number"] for _, data in events] == list(range(len(events)))
    deltas = [d["delta"] for n, d in events if n == "response.output_text.delta"]
    assert "".join(deltas) == REPLY


def test_anthropic_messages_plain_and_streamed(server: FakeServer) -> None:
    body = {"model": "claude", "system": "rules", "messages": [], "max_tokens": 10}
    reply = json.loads(post(server, "/v1/messages", body)[2])
    assert reply["stop_reason"] == "end_turn"
    assert reply["content"] == [{"type": "text", "text": REPLY}]

    events = sse_events(post(server, "/v1/messages", {**body, "stream": True})[2])
    names = [name for name, _ in events]
    assert names == [
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    assert events[2][1]["delta"]["text"] == REPLY
    assert json.loads(post(server, "/v1/messages/count_tokens", body)[2]) == {"input_tokens": 10}


def test_gemini_generate_content_plain_and_streamed(server: FakeServer) -> None:
    body = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
    reply = json.loads(post(server, "/v1beta/models/gemini-2.5-pro:generateContent", body)[2])
    assert reply["candidates"][0]["content"]["parts"][0]["text"] == REPLY
    assert reply["candidates"][0]["finishReason"] == "STOP"
    path = "/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse"
    status, ctype, data = post(server, path, body)
    assert status == 200 and ctype == "text/event-stream"
    (only,) = sse_events(data)
    assert only[1]["candidates"][0]["content"]["parts"][0]["text"] == REPLY


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/chat/completions", "openai-chat"),
        ("/v1/responses", "openai-responses"),
        ("/v1/messages?beta=true", "anthropic"),
        ("/v1beta/models/x:countTokens", "gemini-count"),
        ("/v1/models", "models"),
        ("/chat-stream", "other"),
    ],
)
def test_classify(path: str, kind: str) -> None:
    assert classify(path) == kind


def test_records_every_body_but_never_a_key(server: FakeServer) -> None:
    secret = {"Authorization": "Bearer sk-real", "x-api-key": "sk-ant-real", "X-Trace": "t"}
    post(server, "/chat-stream", {"message": "vendor format"}, secret)
    post(
        server, "/v1/messages", gzip.compress(b'{"system": "zipped"}'), {"Content-Encoding": "gzip"}
    )
    first, second = server.recorder.snapshot()
    assert first.path == "/chat-stream" and "vendor format" in first.body
    assert first.headers["x-trace"] == "t"
    assert "authorization" not in first.headers and "x-api-key" not in first.headers
    assert "sk-real" not in repr(first) and "sk-ant-real" not in repr(first)
    assert json.loads(second.body) == {"system": "zipped"}


def test_chunked_request_body_is_read(server: FakeServer) -> None:
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(str(host), int(port), timeout=10)
    conn.request("POST", "/v1/chat/completions", iter([b'{"model": ', b'"chunky"}']), {})
    assert conn.getresponse().status == 200
    conn.close()
    assert json.loads(server.recorder.snapshot()[0].body) == {"model": "chunky"}


def test_scan_counts_per_request_and_reads_tags() -> None:
    token = "abc123"
    s0, s1, s12 = (analyze.sentinel(token, t) for t in (0, 1, 12))
    bodies = [
        json.dumps({"system": f"{s1} and {s12}", "user": "x"}),
        f"plain {analyze.sentinel(token)}",
        # A JSON escape must not hide a copy.
        json.dumps({"s": s0}).replace("-", "\\u002d"),
        "another token: airules-sentinel-ffff-f3",
    ]
    scan = analyze.scan(bodies, token)
    assert scan.copies == 2
    assert scan.tags == frozenset({0, 1, 12})
    assert scan.requests == 4
    assert analyze.scan([], token) == analyze.Scan(0, frozenset(), 0)


def make_results() -> list[analyze.Run]:
    loaded = analyze.Run("claude", "@a/c", "2.1", "2026-12-01", "all", "ran", loaded=True)
    loaded.copies = 1
    loaded.files_read = ["CLAUDE.md"]
    loaded.editors = ["claude"]
    loaded.controls = [{"removed": "CLAUDE.md", "files_read": ["AGENTS.md"], "copies": 1}]
    blocked = analyze.Run("x", "x-cli", "1", "2026-12-01", "all", "not run", reason="needs | login")
    return [loaded, blocked]


def test_results_round_trip_and_table() -> None:
    runs = make_results()
    text = analyze.dump_results(runs, "2026-12-01", "abc")
    assert analyze.load_results(text) == runs
    table = analyze.markdown(runs)
    lines = table.splitlines()
    assert lines[0].startswith("| Agent |")
    assert "| claude | `@a/c` | 2.1 | all | `CLAUDE.md` | claude | LOADED | 1 |" in lines[2]
    assert "without CLAUDE.md: AGENTS.md" in lines[2]
    # A pipe in a reason cannot break the table.
    assert "not run | - | needs \\| login |" in lines[3]


def test_changes_name_what_moved_and_ignore_the_date() -> None:
    old = make_results()
    same = make_results()
    same[0].date = "2026-12-08"
    same[0].requests = 7
    assert analyze.changes(old, same) == []
    moved = make_results()
    moved[0].version = "2.2"
    moved[0].files_read = ["AGENTS.md", "CLAUDE.md"]
    moved[0].copies = 2
    (line,) = analyze.changes(old, moved)
    assert line.startswith("claude [all]: LOADED x1 from CLAUDE.md (2.1) -> LOADED x2")
    merged = analyze.merge(old, moved[:1])
    assert [r.version for r in merged] == ["2.2", "1"]


def test_pins_cover_every_agent_in_one_file() -> None:
    pins = harness.load_pins()
    assert set(AGENTS) <= set(pins)
    for key, agent in AGENTS.items():
        pin = pins[key]
        assert pin.registry in ("npm", "pypi")
        assert pin.version and pin.version[0].isdigit()
        assert agent.binary.startswith("node_modules/" if pin.registry == "npm" else "venv/")


def test_agent_environment_is_clean_and_offline(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-real-from-caller")
    env = harness.agent_env(AGENTS["claude"], "http://127.0.0.1:1", tmp_path, None)
    assert env["HOME"] == str(tmp_path)
    assert env["ANTHROPIC_BASE_URL"] == "http://127.0.0.1:1"
    assert "sk-real-from-caller" not in env.values()
    assert env["HTTPS_PROXY"].startswith("http://127.0.0.1:")
    assert env["NO_PROXY"] == "127.0.0.1,localhost"


@needs_linux
def test_scratch_repository_holds_every_editor_file(tmp_path: Path) -> None:
    scratch = harness.make_repo("all", harness.Airules(), parent=tmp_path)
    assert "CLAUDE.md" in scratch.candidates and "AGENTS.md" in scratch.candidates
    assert "ai-rules.md" in scratch.candidates
    claude = scratch.candidates.index("CLAUDE.md")
    scratch.restore(tagged=True, removed="AGENTS.md")
    assert not (scratch.repo / "AGENTS.md").exists()
    text = (scratch.repo / "CLAUDE.md").read_text()
    assert analyze.sentinel(scratch.token, claude) in text
    scratch.restore(tagged=False)
    assert (scratch.repo / "AGENTS.md").read_bytes() == scratch.originals["AGENTS.md"]


@needs_linux
def test_a_config_airules_refuses_is_not_run(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setitem(harness.VARIANTS, "bogus", {"no_such_key": True})
    with pytest.raises(harness.NotRun, match="refused the 'bogus' config"):
        harness.make_repo("bogus", harness.Airules(), parent=tmp_path)


# A stand-in agent: reads CLAUDE.md, or AGENTS.md when there is none (Claude Code's own
# precedence), plus .clinerules, and sends them to the fake API as an Anthropic request. It also
# leaves a detached child behind, as Cline's hub daemon does.
FAKE_AGENT = textwrap.dedent(
    """
    import json, os, subprocess, sys, urllib.request
    parts = []
    first = "CLAUDE.md" if os.path.exists("CLAUDE.md") else "AGENTS.md"
    for name in (first, ".clinerules/ai-rules.md"):
        if os.path.exists(name):
            parts.append(open(name).read())
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"],
                     start_new_session=True)
    body = json.dumps({"system": "\\n".join(parts), "messages": [], "stream": True})
    req = urllib.request.Request(os.environ["FAKE_URL"] + "/v1/messages", body.encode())
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    print(opener.open(req).read().decode()[:40])
    """
)


@needs_linux
def test_measure_finds_files_read_copies_and_fallbacks(tmp_path: Path) -> None:
    (tmp_path / "agent.py").write_text(FAKE_AGENT)
    agent = Agent(
        key="fake",
        title="Fake",
        binary="agent.py",
        cmd=(sys.executable, "{bin}"),
        env={"FAKE_URL": "{url}"},
        timeout=60,
    )
    scratch = harness.make_repo("all", harness.Airules(), parent=tmp_path)
    result = analyze.Run("fake", "fake", "0", "today", "all", "not run")
    with FakeServer() as server:
        run.measure(agent, tmp_path, scratch, server, None, result, {}, controls=True)
    assert result.status == "ran"
    assert result.loaded
    assert result.copies == 2
    assert result.files_read == [".clinerules/ai-rules.md", "CLAUDE.md"]
    controls = {c["removed"]: c["files_read"] for c in result.controls}
    assert controls["CLAUDE.md"] == [".clinerules/ai-rules.md", "AGENTS.md"]
    assert controls[".clinerules/ai-rules.md"] == ["CLAUDE.md"]
    # The detached child was ended with the run: no process carries the scratch HOME.
    time.sleep(0.2)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                environ = (entry / "environ").read_bytes()
            except OSError:
                continue
            assert str(scratch.root).encode() + b"/home-" not in environ


@needs_linux
def test_an_agent_that_never_calls_is_not_run(tmp_path: Path) -> None:
    agent = Agent(
        key="mute",
        title="Mute",
        binary="none",
        cmd=(sys.executable, "-c", "print('please log in first')"),
    )
    scratch = harness.make_repo("all", harness.Airules(), parent=tmp_path)
    result = analyze.Run("mute", "mute", "0", "today", "all", "not run")
    with FakeServer() as server:
        run.measure(agent, tmp_path, scratch, server, None, result, {}, controls=True)
    assert result.status == "not run"
    assert "please log in first" in result.reason


def test_committed_results_cover_every_agent() -> None:
    results = ROOT / "conformance" / "results.json"
    runs = analyze.load_results(results.read_text())
    assert {r.agent for r in runs} >= set(AGENTS)
    for r in runs:
        assert r.status in ("ran", "not run")
        assert r.status == "ran" or r.reason
        assert r.loaded == (r.copies > 0 or bool(r.files_read)) or r.status != "ran"
    # Scratch folders are temporary: no path of the machine that ran it is kept.
    assert "airules-conformance-" not in results.read_text()
