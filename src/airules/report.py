"""Turn statuses into what people and machines read. Returns strings; prints nothing."""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from dataclasses import replace

from airules import safetext
from airules.advice import Advice
from airules.config import Config, TargetConfig
from airules.engine import State, TargetStatus
from airules.howto import LOCAL, HowTo
from airules.planner import explain_line, reach
from airules.targets import EDITORS, READERS, Editor, Read

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


def _lines(text: str) -> list[str]:
    """Lines split at newlines only: str.splitlines also splits at form feeds, U+2028 and
    friends, which would make a mid-file line look like the file's last, unterminated one."""
    parts = text.split("\n")
    out = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        out.append(parts[-1])
    return out


def diff_lines(status: TargetStatus) -> list[str]:
    old = _lines(status.old or "")
    new = _lines(status.new)
    lines = difflib.unified_diff(old, new, f"a/{status.path}", f"b/{status.path}")
    # Control characters from the files are escaped: a diff must not drive the terminal.
    return [
        safetext.block(line) if line.endswith("\n") else safetext.block(line) + NO_NEWLINE
        for line in lines
    ]


NO_NEWLINE = "\n\\ No newline at end of file\n"


def _safe(statuses: Sequence[TargetStatus]) -> list[TargetStatus]:
    """Statuses with their paths and messages fit for one line of a terminal or CI log."""
    return [
        replace(s, path=safetext.line(s.path), message=safetext.line(s.message))
        if not (s.path.isprintable() and s.message.isprintable())
        else s
        for s in statuses
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
    if status.state is State.EDITED and status.old is not None and status.new == status.old:
        # Not edited by hand: a settings file airules cannot edit safely (see settings.py).
        return f"needs a hand edit: {status.message}"
    text: str = status.state.value
    if status.message and status.state is not State.DRIFTED:
        text += f": {status.message}"
    return text


def warning_lines(warnings: Sequence[Advice], color: bool) -> list[str]:
    return [
        f"{safetext.line(w.location)}: {_paint('note' if w.note else 'warning', _YELLOW, color)}: "
        f"{safetext.line(w.message)}\n"
        for w in warnings
    ]


def _strict_line(warnings: Sequence[Advice], strict: bool) -> list[str]:
    n = sum(not w.note for w in warnings)
    if not (n and strict):
        return []
    return [f"airules: {n} warning{'s' if n != 1 else ''}, and --strict fails on warnings\n"]


def check_text(
    statuses: Sequence[TargetStatus],
    *,
    source: str,
    quiet: bool,
    full_diff: bool,
    color: bool,
    warnings: Sequence[Advice] = (),
    strict: bool = False,
    how: HowTo = LOCAL,
) -> str:
    # Targets in error never come here: the caller reports them on stderr, one line each.
    statuses = _safe(statuses)
    source = safetext.line(source)
    out = []
    for status in statuses:
        if status.state is State.OK and quiet:
            continue
        label = _paint(_describe(status), _STATE_COLOR[status.state], color)
        if status.delete and status.state is State.DRIFTED:
            label = _paint(f"stale: {status.message}", _STATE_COLOR[status.state], color)
        elif status.state is State.DRIFTED:
            label = _paint(
                f"out of date with {status.source or source}", _STATE_COLOR[status.state], color
            )
            if status.message and "out of date" not in status.message:
                # Say why: a link points elsewhere or git flattened it; a merge conflict.
                label += f" ({status.message})"
        out.append(f"{status.path}: {label}\n")
        if status.state in (State.DRIFTED, State.EDITED) or (
            status.state is State.MISSING and status.old is not None
        ):
            out.append(_diff(status, full_diff, color))
    out.extend(warning_lines(warnings, color))
    problems = [s for s in statuses if s.needs_fix]
    if not problems:
        out.extend(_strict_line(warnings, strict))
    if problems:
        edited = [s for s in problems if s.state is State.EDITED]
        n = len(problems)
        line = (
            f"airules: {n} file{'s' if n != 1 else ''} out of sync with {source}; "
            f"{how.fix} to update {'them' if n != 1 else 'it'}"
        )
        if edited:
            line += f" (edited by hand: move the edit into {source} first, {how.force})"
        out.append(line + "\n")
    return "".join(out)


def fix_text(
    statuses: Sequence[TargetStatus],
    written: Sequence[TargetStatus],
    *,
    source: str,
    quiet: bool,
    color: bool,
    warnings: Sequence[Advice] = (),
    strict: bool = False,
    how: HowTo = LOCAL,
) -> str:
    statuses, written, source = _safe(statuses), _safe(written), safetext.line(source)
    wrote = {s.path: s for s in written}
    out = []
    for status in statuses:
        if status.state is State.ERROR:
            continue  # said on stderr, one `airules:` line each
        if status.path in wrote:
            verb = "created" if status.old is None else "updated"
            if status.delete:
                verb = f"deleted (generated from {status.source}, which no longer makes it)"
            elif status.state is State.EDITED:
                verb = "overwritten (hand edits replaced, --force)"
            done = wrote[status.path]
            if done.link is not None:
                verb += f" (symlink to {done.link})"
            elif status.link is not None:
                verb += f" as a copy: {done.message}"
            out.append(f"{status.path}: {_paint(verb, _GREEN, color)}\n")
        elif status.state is State.EDITED and status.new == status.old:
            out.append(f"{status.path}: {_paint(_describe(status), _YELLOW, color)}\n")
        elif status.state is State.EDITED:
            label = _paint(f"edited by hand, left unchanged: {status.message}", _YELLOW, color)
            out.append(
                f"{status.path}: {label}; move the edit into {source} and rerun, "
                f"{how.force.replace('add --force', 'rerun with --force')}\n"
            )
        elif not quiet:
            # A target dedupe serves through another file says which.
            served = status.old is None and not status.data and status.message
            label = f"ok: {status.message}" if served else "ok"
            out.append(f"{status.path}: {_paint(label, _GREEN, color)}\n")
    out.extend(warning_lines(warnings, color))
    if written:
        n = len(written)
        out.append(f"airules: wrote {n} file{'s' if n != 1 else ''} from {source}\n")
    else:
        out.extend(_strict_line(warnings, strict))
    return "".join(out)


def json_report(
    statuses: Sequence[TargetStatus],
    written: Sequence[TargetStatus],
    *,
    mode: str,
    source: str,
    config: str | None,
    exit_code: int,
    warnings: Sequence[Advice] = (),
    orphans: Sequence[tuple[str, str, bool]] = (),
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
                # The rules file it is made from: the source, or a rule in the rules folder.
                "source": s.source,
                "written": s.path in wrote,
                "delete": s.delete,
            }
            for s in statuses
        ],
        "warnings": [
            {
                "kind": w.kind,
                "path": w.path,
                "line": w.line,
                "message": w.message,
                "severity": "note" if w.note else "warning",
            }
            for w in warnings
        ],
        # Generated files and blocks that no target produces any more.
        "orphans": [
            {"path": path, "message": message, "pruned": pruned}
            for path, message, pruned in orphans
        ],
    }
    return json.dumps(doc, indent=2) + "\n"


def _front_matter_summary(editor: Editor) -> str:
    return ", ".join(line.strip() for line in editor.front_matter.splitlines())


def _features(editor: Editor) -> list[str]:
    out = []
    if editor.imports:
        out.append("@imports")
    if editor.nested:
        out.append("nested")
    if editor.limit is not None:
        out.append(f"max {editor.limit.size:,} {editor.limit.unit}")
    return out


def scoping(editor: Editor) -> str:
    """How the editor takes a rule limited to some paths, in a few words."""
    if editor.scope is None:
        return "sections"
    keys = ", ".join(key for key, _ in editor.scope.front_matter)
    return f"{editor.scope.path} ({keys})"


def successor(editor: Editor) -> str:
    return f"`{editor.successor}`" if editor.successor in EDITORS else editor.successor


def _status(editor: Editor, *, long: bool) -> str:
    if editor.status == "current":
        return "current"
    since = f" since {editor.since}" if editor.since else ""
    if not long:
        return f"{editor.status}{since} -> {editor.successor}"
    note = f" ({editor.note})" if editor.note else ""
    return f"{editor.status}{since}: use {successor(editor)}{note}"


def editors_table(editors: Sequence[Editor] = tuple(EDITORS.values())) -> str:
    """The registry as aligned columns, for `airules-check --list`."""
    header = ("ID", "EDITOR", "FILE", "KIND", "APPLIED BY", "SCOPED RULES", "FEATURES", "STATUS")
    rows = [header] + [
        (
            e.id,
            e.name,
            e.path,
            "shared" if e.shared else "owned",
            _front_matter_summary(e) or "-",
            scoping(e),
            ", ".join(_features(e)) or "-",
            _status(e, long=False),
        )
        for e in editors
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    lines = ["  ".join([*(row[i].ljust(w) for i, w in enumerate(widths)), row[-1]]) for row in rows]
    return "\n".join(line.rstrip() for line in lines) + "\n"


def verified_with(editor: Editor) -> str:
    """The agent CLI runs (conformance/results.json) that showed what `editor` reads."""
    runs = dict.fromkeys(
        e.removeprefix("conformance:").replace("@", " ")
        for read in editor.reads
        for e in read.evidence
        if e.startswith("conformance:")
    )
    return ", ".join(runs)


def editors_markdown(editors: Sequence[Editor] = tuple(EDITORS.values())) -> str:
    """The registry as the README's Markdown table."""
    lines = [
        "| id | editor | file | kind | front matter | features | status | verified with |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for e in editors:
        front = f"`{_front_matter_summary(e)}`" if e.front_matter else ""
        lines.append(
            f"| `{e.id}` | [{e.name}]({e.docs}) | `{e.path}` | "
            f"{'shared' if e.shared else 'owned'} | {front} | {', '.join(_features(e))} | "
            f"{_status(e, long=True)} | {verified_with(e)} |"
        )
    return "\n".join(lines) + "\n"


def _read_data(read: Read) -> dict[str, object]:
    out: dict[str, object] = {"paths": list(read.paths), "when": read.when}
    if read.unless:
        out["unless"] = read.unless
    if read.setting is not None:
        out["setting"] = {"file": read.setting.file, "key": read.setting.key}
    if read.surface:
        out["surface"] = read.surface
    out["evidence"] = list(read.evidence)
    return out


def editors_json() -> str:
    """The registry as data, for `airules-check --list --format json`."""
    doc = {
        "version": 1,
        "editors": [
            {
                "id": e.id,
                "name": e.name,
                "path": e.path,
                "kind": "shared" if e.shared else "owned",
                "front_matter": e.front_matter,
                "docs": e.docs,
                "status": e.status,
                "since": e.since,
                "successor": e.successor,
                "note": e.note,
                "imports": e.imports,
                "nested": e.nested,
                "limit": None
                if e.limit is None
                else {"size": e.limit.size, "unit": e.limit.unit, "cumulative": e.limit.cumulative},
                "reads": [_read_data(r) for r in e.reads],
            }
            for e in EDITORS.values()
        ],
        "readers": [
            {"id": r.id, "name": r.name, "docs": r.docs, "reads": [_read_data(x) for x in r.reads]}
            for r in READERS.values()
        ],
    }
    return json.dumps(doc, indent=2) + "\n"


def explain_text(targets: Sequence[TargetConfig], config: Config) -> str:
    """`--explain`: one line per editor with the files it reads and how often the rules reach
    it, then the agents without a file of their own that read these files."""
    items = reach(targets)
    mode = "on" if config.dedupe else "off (add `dedupe: true` to serve each editor once)"
    lines = [f"airules: dedupe is {mode}"]
    lines += [explain_line(item) for item in items if item.path]
    others = [item for item in items if not item.path]
    if others:
        lines.append("Agents without a file of their own:")
        lines += [f"  {explain_line(item)}" for item in others]
    return "\n".join(lines) + "\n"


def explain_json(targets: Sequence[TargetConfig], config: Config) -> str:
    doc = {
        "version": 1,
        "dedupe": config.dedupe,
        "editors": [
            {
                "id": item.id,
                "path": item.path or None,
                "files": [s.path for s in item.seen],
                "copies": item.copies,
                "served_by": item.served_by,
            }
            for item in reach(targets)
        ],
    }
    return json.dumps(doc, indent=2) + "\n"


def scopes_markdown(editors: Sequence[Editor] = tuple(EDITORS.values())) -> str:
    """How each editor takes a scoped rule (`ai-rules/NAME.md` with `paths:`), for the README."""
    from airules.scoped import Rule, front_matter

    example = Rule(
        name="NAME",
        source="ai-rules/NAME.md",
        body="",
        paths=("src/**", "tests/**"),
        description="DESCRIPTION",
    )
    lines = [
        "| id | scoped rule goes to | its front matter (`paths: [src/**, tests/**]`, "
        "`description: DESCRIPTION`) | why this form |",
        "|---|---|---|---|",
    ]
    for e in editors:
        if e.scope is None:
            lines.append(
                f"| `{e.id}` | a section of `{e.path}` under `## For files matching ...` | "
                f"| does not scope: {e.no_scope} |"
            )
            continue
        front = front_matter(e.scope, example).rstrip("\n").replace("\n", "<br>")
        why = e.scope.note or "as documented"
        lines.append(f"| `{e.id}` | `{e.scope.path}` | `{front}` | [{why}]({e.scope.docs}) |")
    return "\n".join(lines) + "\n"
