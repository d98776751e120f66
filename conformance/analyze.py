"""Finding the rules in what an agent sent, and turning runs into results.

The rules file carries a sentinel line, `airules-sentinel-<token>`. In a tagged run every
candidate file gets its own suffix (`-f3`), so the suffixes that reach the model name the files
the agent read. The number of copies is the most sentinels any one request carried: an agent
resends its context on every request, and what costs context is how often the rules sit in one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

PREFIX = "airules-sentinel-"


@dataclass(frozen=True)
class Scan:
    # Most sentinels in one request.
    copies: int
    # Tag numbers seen in any request (tagged runs only).
    tags: frozenset[int]
    requests: int


def pattern(token: str) -> re.Pattern[str]:
    # The tag is digits after "-f"; the lookahead keeps "-f12" from being read as "-f1".
    return re.compile(re.escape(PREFIX + token) + r"(?:-f(\d+))?(?!\d)")


def sentinel(token: str, tag: int | None = None) -> str:
    return PREFIX + token + ("" if tag is None else f"-f{tag}")


def scan(bodies: Iterable[str], token: str) -> Scan:
    """Count the sentinel in each request body; a JSON body is also searched decoded."""
    rx = pattern(token)
    best = 0
    tags: set[int] = set()
    n = 0
    for body in bodies:
        n += 1
        text = _decoded(body)
        found = rx.findall(text)
        best = max(best, len(found))
        tags.update(int(t) for t in found if t)
    return Scan(best, frozenset(tags), n)


def _decoded(body: str) -> str:
    """The body with JSON string escapes undone, so `\\u002d` style escaping cannot hide a copy.

    Parsing and re-serialising with ensure_ascii=False keeps one copy per occurrence: every
    string is emitted once, exactly as the agent sent it.
    """
    try:
        value = json.loads(body)
    except ValueError:
        return body
    return json.dumps(value, ensure_ascii=False)


@dataclass
class Run:
    """One agent run in one variant of the repository, as the results file records it."""

    agent: str
    package: str
    version: str
    date: str
    variant: str
    status: str  # "ran", or "not run" with the reason
    reason: str = ""
    loaded: bool = False
    copies: int = 0
    files_read: list[str] = field(default_factory=list)
    editors: list[str] = field(default_factory=list)
    # Each control: the file removed, what the agent read then, and how many copies.
    controls: list[dict[str, Any]] = field(default_factory=list)
    requests: int = 0
    # Which airules wrote the files: "" for the checkout that ran the harness, else the label
    # given with --airules-label (a branch not merged yet).
    airules: str = ""
    note: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.agent, self.variant, self.airules)

    def facts(self) -> dict[str, Any]:
        """What a weekly re-run compares: the behaviour, not the date or the request count."""
        return {
            "status": self.status,
            "loaded": self.loaded,
            "copies": self.copies,
            "files_read": sorted(self.files_read),
            "controls": sorted(
                (c["removed"], tuple(sorted(c["files_read"])), c["copies"]) for c in self.controls
            ),
        }


def editors_for(files: Iterable[str], paths: dict[str, list[str]]) -> list[str]:
    """The registry ids whose file is among `files` (a path can serve several ids)."""
    out: list[str] = []
    for f in sorted(files):
        for ident in paths.get(f, []):
            if ident not in out:
                out.append(ident)
    return out


def load_results(text: str) -> list[Run]:
    data = json.loads(text)
    return [Run(**r) for r in data["runs"]]


def dump_results(runs: Sequence[Run], generated: str, airules: str) -> str:
    data = {
        "generated": generated,
        "airules": airules,
        "how": (
            "python -m conformance: each agent CLI, installed from its registry, runs headless "
            "against a fake model API on 127.0.0.1 in a scratch repository where airules wrote "
            "every editor's file from an ai-rules.md holding a sentinel line. copies: most "
            "sentinels in one request; files_read: tagged files whose tag reached the model; "
            "controls: the same run with one file removed."
        ),
        "runs": [dict(r.__dict__) for r in runs],
    }
    return json.dumps(data, indent=2, sort_keys=False) + "\n"


def merge(old: Sequence[Run], new: Sequence[Run]) -> list[Run]:
    """Old results with each (agent, variant) that was re-run replaced, in a stable order."""
    fresh = {r.key: r for r in new}
    out = [fresh.pop(r.key, r) for r in old]
    out.extend(fresh.values())
    return out


def changes(old: Sequence[Run], new: Sequence[Run]) -> list[str]:
    """One line per (agent, variant) whose facts differ between two results files."""
    before = {r.key: r for r in old}
    lines = []
    for r in new:
        prev = before.get(r.key)
        name = f"{r.agent} [{r.variant}{', airules ' + r.airules if r.airules else ''}]"
        if prev is None:
            lines.append(f"{name}: new: {_summary(r)}")
        elif prev.facts() != r.facts():
            lines.append(
                f"{name}: {_summary(prev)} ({prev.version}) -> {_summary(r)} ({r.version})"
            )
    return lines


def _summary(r: Run) -> str:
    if r.status != "ran":
        return f"not run ({r.reason})"
    state = "LOADED" if r.loaded else "NOT LOADED"
    read = ", ".join(r.files_read) or "nothing"
    return f"{state} x{r.copies} from {read}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(runs: Sequence[Run]) -> str:
    head = [
        "| Agent | Package | Version | Variant | Files read | Editors | Loaded | Copies | Notes |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    rows = []
    for r in runs:
        if r.status != "ran":
            loaded, copies, note = "not run", "-", r.reason
        else:
            loaded = "LOADED" if r.loaded else "NOT LOADED"
            copies = str(r.copies)
            note = "; ".join(
                f"without {c['removed']}: {', '.join(c['files_read']) or 'nothing'}"
                for c in r.controls
            )
        if r.note:
            note = f"{r.note}; {note}" if note else r.note
        cells = [
            r.agent,
            f"`{r.package}`",
            r.version,
            r.variant + (f" (airules {r.airules})" if r.airules else ""),
            ", ".join(f"`{f}`" for f in r.files_read) or "-",
            ", ".join(r.editors) or "-",
            loaded,
            copies,
            note,
        ]
        rows.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(head + rows) + "\n"
