"""Turn statuses into what people and machines read. Returns strings; prints nothing."""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence

from airules.engine import State, TargetStatus
from airules.render import FIX_COMMAND

DIFF_LINES = 40

_RED, _GREEN, _YELLOW, _CYAN, _BOLD, _RESET = (
    "\033[31m",
    "\033[32m",
    "\033[33m",
    "\033[36m",
    "\033[1m",
    "\033[0m",
)
_STATE_COLOR = {
    State.OK: _GREEN,
    State.MISSING: _RED,
    State.DRIFTED: _RED,
    State.EDITED: _YELLOW,
    State.ERROR: _RED,
}
# Stable names for --format json and the Action; the human wording may change, these may not.
JSON_STATE = {
    State.OK: "ok",
    State.MISSING: "missing",
    State.DRIFTED: "drifted",
    State.EDITED: "edited",
    State.ERROR: "error",
}


def _paint(text: str, code: str, color: bool) -> str:
    return f"{code}{text}{_RESET}" if color else text


def diff_lines(status: TargetStatus) -> list[str]:
    old = (status.old or "").splitlines(keepends=True)
    new = status.new.splitlines(keepends=True)
    lines = difflib.unified_diff(old, new, f"a/{status.path}", f"b/{status.path}")
    return [
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    ]


def _diff(status: TargetStatus, full: bool, color: bool) -> str:
    lines = diff_lines(status)
    cut = 0
    if not full and len(lines) > DIFF_LINES:
        cut = len(lines) - DIFF_LINES
        lines = lines[:DIFF_LINES]
    out = []
    for line in lines:
        if line.startswith(("+++", "---")):
            out.append(_paint(line.rstrip("\n"), _BOLD, color) + "\n")
        elif line.startswith("+"):
            out.append(_paint(line.rstrip("\n"), _GREEN, color) + "\n")
        elif line.startswith("-"):
            out.append(_paint(line.rstrip("\n"), _RED, color) + "\n")
        elif line.startswith("@@"):
            out.append(_paint(line.rstrip("\n"), _CYAN, color) + "\n")
        else:
            out.append(line)
    if cut:
        out.append(f"... {cut} more diff lines; run `airules-check --diff` to see them all\n")
    return "".join(out)


def _describe(status: TargetStatus) -> str:
    if status.state is State.ERROR:
        return status.message
    text: str = status.state.value
    if status.message and status.state is not State.DRIFTED:
        text += f": {status.message}"
    return text


def check_text(
    statuses: Sequence[TargetStatus], *, source: str, quiet: bool, full_diff: bool, color: bool
) -> str:
    out = []
    for status in statuses:
        if status.state is State.OK and quiet:
            continue
        label = _paint(_describe(status), _STATE_COLOR[status.state], color)
        if status.state is State.ERROR:
            out.append(f"{label}\n")
            continue
        if status.state is State.DRIFTED:
            label = _paint(f"out of date with {source}", _STATE_COLOR[status.state], color)
        out.append(f"{status.path}: {label}\n")
        if status.state in (State.DRIFTED, State.EDITED) or (
            status.state is State.MISSING and status.old is not None
        ):
            out.append(_diff(status, full_diff, color))
    problems = [s for s in statuses if s.needs_fix]
    if problems:
        edited = [s for s in problems if s.state is State.EDITED]
        n = len(problems)
        line = (
            f"airules: {n} file{'s' if n != 1 else ''} out of sync with {source}; "
            f"run `{FIX_COMMAND}` to update {'them' if n != 1 else 'it'}"
        )
        if edited:
            line += (
                f" (edited by hand: move the edit into {source} first, "
                f"or add --force to overwrite it)"
            )
        out.append(line + "\n")
    return "".join(out)


def fix_text(
    statuses: Sequence[TargetStatus],
    written: Sequence[TargetStatus],
    *,
    source: str,
    quiet: bool,
    color: bool,
) -> str:
    wrote = {s.path for s in written}
    out = []
    for status in statuses:
        if status.path in wrote:
            verb = "created" if status.old is None else "updated"
            if status.state is State.EDITED:
                verb = "overwritten (hand edits replaced, --force)"
            out.append(f"{status.path}: {_paint(verb, _GREEN, color)}\n")
        elif status.state is State.EDITED:
            label = _paint(f"edited by hand, left unchanged: {status.message}", _YELLOW, color)
            out.append(
                f"{status.path}: {label}; move the edit into {source} and rerun, "
                "or rerun with --force to overwrite it\n"
            )
        elif status.state is State.ERROR:
            out.append(_paint(status.message, _RED, color) + "\n")
        elif not quiet:
            out.append(f"{status.path}: {_paint('ok', _GREEN, color)}\n")
    if written:
        n = len(written)
        out.append(f"airules: wrote {n} file{'s' if n != 1 else ''} from {source}\n")
    return "".join(out)


def json_report(
    statuses: Sequence[TargetStatus],
    written: Sequence[TargetStatus],
    *,
    mode: str,
    source: str,
    config: str | None,
    exit_code: int,
) -> str:
    wrote = {s.path for s in written}
    doc = {
        "version": 1,
        "mode": mode,
        "source": source,
        "config": config,
        "exit_code": exit_code,
        "targets": [
            {
                "id": s.id,
                "path": s.path,
                "state": JSON_STATE[s.state],
                "message": s.message,
                "written": s.path in wrote,
            }
            for s in statuses
        ],
    }
    return json.dumps(doc, indent=2) + "\n"
