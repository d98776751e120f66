"""Talking to a GitHub Actions runner: workflow commands (annotations) on stdout, and the
files the runner names in $GITHUB_OUTPUT and $GITHUB_STEP_SUMMARY.

https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence

from airules import safetext
from airules.engine import State, TargetStatus
from airules.markdown import step_summary
from airules.render import FIX_COMMAND


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def annotation(
    message: str, *, file: str | None = None, line: int = 0, title: str = "airules"
) -> str:
    # Control characters escaped first: no raw ESC or line break from the repository.
    props = [f"file={escape_property(safetext.line(file))}"] if file else []
    if line:
        props.append(f"line={line}")
    props.append(f"title={escape_property(title)}")
    return f"::error {','.join(props)}::{escape_data(safetext.line(message))}\n"


_WHERE_RE = re.compile(r"([^\s:]+)(?::(\d+))?: ")


def error_annotation(message: str) -> str:
    """An annotation for a FatalError, on the file (and line) its message starts with."""
    where = _WHERE_RE.match(message)
    if where is None:
        return annotation(message)
    return annotation(message, file=where.group(1), line=int(where.group(2) or 0))


def quoted(text: str) -> str:
    """`text` printed so the runner reads no workflow command in it: a file's content could
    otherwise hold `::error::` or worse. The runner stops reading commands until the token."""
    if not text:
        return ""
    token = secrets.token_hex(16)
    end = "" if text.endswith("\n") else "\n"
    return f"::stop-commands::{token}\n{text}{end}::{token}::\n"


def check_annotations(
    statuses: Sequence[TargetStatus], *, source: str, written: Sequence[TargetStatus] = ()
) -> str:
    wrote = {s.path for s in written}
    out = []
    for status in statuses:
        if status.path in wrote:
            continue
        if status.state is State.ERROR:
            out.append(annotation(status.message, file=status.path))
        elif status.needs_fix:
            why = status.message or status.state.value
            hint = (
                f"move the edit into {source}, then run `{FIX_COMMAND} --force`"
                if status.state is State.EDITED
                else f"run `{FIX_COMMAND}` and commit the result"
            )
            out.append(annotation(f"{status.path}: {why}; {hint}", file=status.path))
    return "".join(out)


def _write(environ: Mapping[str, str], name: str, text: str) -> None:
    path = environ.get(name)
    if path:
        with open(path, "a", encoding="utf-8", newline="") as f:
            f.write(text)


def set_outputs(values: Mapping[str, str], environ: Mapping[str, str]) -> None:
    """Step outputs, when the runner asks for them through $GITHUB_OUTPUT."""
    lines = []
    for name, value in values.items():
        if "\n" in value or "\r" in value:
            delimiter = f"airules_{secrets.token_hex(8)}"
            lines.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
        else:
            lines.append(f"{name}={value}\n")
    _write(environ, "GITHUB_OUTPUT", "".join(lines))


def add_summary(markdown: str, environ: Mapping[str, str]) -> None:
    _write(environ, "GITHUB_STEP_SUMMARY", markdown)


def publish_check(
    statuses: Sequence[TargetStatus],
    report: str,
    *,
    source: str,
    environ: Mapping[str, str],
    written: Sequence[TargetStatus] = (),
) -> str:
    """For `airules-check --format github`: the text report, quoted, then one annotation per
    file still to fix; the job summary and the `drift` output go to the runner's files."""
    drift = any(s.needs_fix for s in statuses)
    set_outputs({"drift": "true" if drift else "false"}, environ)
    add_summary(step_summary(statuses, source=source), environ)
    return quoted(report) + check_annotations(statuses, source=source, written=written)
