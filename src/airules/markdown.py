"""Markdown that GitHub renders: the pull request body, its closing comment and the job
summary. Returns strings; prints nothing.

Everything that comes from a repository (rules text, paths, messages) is escaped so that it
cannot mention people (`@team`), reference or close issues (`fixes #1`, `GH-1`), or inject
HTML; a word joiner (U+2060) after `@` and `#` breaks GitHub's parsing and is invisible."""

from __future__ import annotations

import re
from collections.abc import Sequence

from airules.engine import State, TargetStatus
from airules.render import FIX_COMMAND
from airules.report import diff_lines

WORD_JOINER = "\u2060"
# GitHub refuses bodies over 65,536 characters; the diff gets what the rest leaves.
DIFF_CHARS = 40_000
DIFF_LINES = 400
# GitHub's limit on a pull request body, less room for the caller's footer and our marker.
BODY_LIMIT = 65_536

_REFERENCE_RE = re.compile(r"([@#])|\b(gh)(-)(?=\d)", re.IGNORECASE)
_PUNCTUATION_RE = re.compile(r"([!-/:-@\[-`{-~])")


def neutralize(text: str) -> str:
    """`text` as it reads, minus the mentions and issue references GitHub would act on."""
    return _REFERENCE_RE.sub(
        lambda m: m.group(1) + WORD_JOINER if m.group(1) else m.group(2) + WORD_JOINER + "-",
        text,
    )


def text(value: str) -> str:
    """Plain text inside Markdown: every punctuation character escaped, so no markup or HTML."""
    return _PUNCTUATION_RE.sub(r"\\\1", neutralize(value)).replace("\n", " ")


def code(value: str, *, cell: bool = False) -> str:
    """An inline code span that holds `value` whatever backticks it contains."""
    value = neutralize(value).replace("\n", " ")
    if cell:
        # A table ends a cell at any unescaped pipe, even inside a code span.
        value = value.replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{ticks}{pad}{value}{pad}{ticks}"


def fence(content: str, info: str = "") -> str:
    """A fenced code block longer than any backtick run in `content`, so it cannot be closed
    from inside."""
    longest = max((len(run) for run in re.findall(r"`{3,}", content)), default=0)
    ticks = "`" * max(3, longest + 1)
    if content and not content.endswith("\n"):
        content += "\n"
    return f"{ticks}{info}\n{content}{ticks}\n"


def _counts(status: TargetStatus) -> tuple[int, int]:
    added = removed = 0
    for line in diff_lines(status):
        if line.startswith("+") and not line.startswith("+++"):
            added += 1
        elif line.startswith("-") and not line.startswith("---"):
            removed += 1
    return added, removed


def _label(status: TargetStatus, written: bool) -> str:
    if status.state is State.OK:
        return "in sync"
    if status.delete and written:
        return "its rule is gone: deleted"
    if status.state is State.EDITED:
        return "edited by hand: overwritten (--force)" if written else "edited by hand: **skipped**"
    if status.state is State.MISSING:
        return "missing: added" if status.old is None else "no airules block: added"
    if status.state is State.DRIFTED:
        return "out of date: updated"
    return "error"


def _diff(statuses: Sequence[TargetStatus]) -> tuple[str, int]:
    """The diffs of the files the pull request changes, cut to fit, and the lines cut."""
    lines = [line for status in statuses for line in diff_lines(status)]
    kept: list[str] = []
    size = 0
    for line in lines:
        if len(kept) >= DIFF_LINES or size + len(line) > DIFF_CHARS:
            break
        kept.append(line)
        size += len(line)
    return neutralize("".join(kept)), len(lines) - len(kept)


def pr_body(
    statuses: Sequence[TargetStatus],
    written: Sequence[TargetStatus],
    *,
    source: str,
    base: str,
    branch: str,
    footer: str = "",
) -> str:
    wrote = {s.path for s in written}
    src = code(source)
    out = [
        f"The AI editor rules files on {code(base)} no longer match {src}. This pull request "
        f"regenerates them from it, exactly as `{FIX_COMMAND}` would.\n",
        "\n| File | Status | Lines |\n| --- | --- | --- |\n",
    ]
    for status in statuses:
        change = ""
        if status.path in wrote:
            added, removed = _counts(status)
            change = f"+{added} -{removed}"
        label = _label(status, status.path in wrote)
        # Files made from a rule in the rules folder name it.
        rule = ""
        if status.source and status.source != source:
            rule = f" from {code(status.source, cell=True)}"
        out.append(f"| {code(status.path, cell=True)}{rule} | {label} | {change} |\n")
    skipped = [s for s in statuses if s.state is State.EDITED and s.path not in wrote]
    if skipped:
        out.append(
            "\n**Left unchanged**, because airules does not overwrite edits made by hand:\n\n"
        )
        for status in skipped:
            out.append(f"- {code(status.path)}: {text(status.message)}\n")
        out.append(
            f"\nMove those edits into {src} (or drop them), or run `airules-pr --force` to "
            "overwrite the files.\n"
        )
    # A table of thousands of files (a monorepo with `nested: true`) is cut too.
    size = sum(len(part) for part in out) + len(footer)
    if size > BODY_LIMIT - DIFF_CHARS - 4_000:
        kept: list[str] = []
        used = len(footer)
        for part in out:
            if used + len(part) > BODY_LIMIT - DIFF_CHARS - 4_000:
                break
            kept.append(part)
            used += len(part)
        out = [
            *kept,
            f"\n... and {len(out) - len(kept)} more lines of this list, cut to keep the "
            "body under GitHub's limit; see the Files changed tab\n",
        ]
    out.append(
        f"\n**To change the rules, edit {src}** and commit it: the files above are generated "
        f"from it, and `{FIX_COMMAND}` regenerates them locally. Do not push to "
        f"{code(branch)}: airules rebuilds it from {code(base)} on every run.\n"
    )
    changed = [s for s in statuses if s.path in wrote]
    diff, cut = _diff(changed)
    if diff:
        out.append("\n<details><summary>Diff</summary>\n\n")
        if cut:
            diff += f"... {cut} more diff lines; see the Files changed tab\n"
        out.append(fence(diff, "diff"))
        out.append("\n</details>\n")
    if footer:
        # The footer is the caller's own Markdown, given on the command line: used as is.
        out.append(f"\n---\n\n{footer.rstrip()}\n")
    body = "".join(out)
    if len(body) > BODY_LIMIT - 200:
        # Only a footer this long gets here: it is cut, and says so.
        note = "\n\n... cut to keep the body under GitHub's limit\n"
        body = body[: BODY_LIMIT - 200 - len(note)] + note
    return body


def close_comment(statuses: Sequence[TargetStatus], *, source: str, base: str) -> str:
    skipped = [s for s in statuses if s.state is State.EDITED]
    out = f"The AI editor rules files on {code(base)} now match {code(source)}"
    if skipped:
        paths = ", ".join(code(s.path) for s in skipped)
        out += (
            f", except for files edited by hand that airules does not overwrite ({paths}; "
            "`airules-pr --force` would)"
        )
    return out + ", so this pull request has nothing left to change: airules closed it.\n"


def step_summary(statuses: Sequence[TargetStatus], *, source: str) -> str:
    problems = [s for s in statuses if s.state is not State.OK]
    n = len(statuses)
    if problems:
        head = f"### airules: {len(problems)} of {n} files out of sync with {code(source)}\n"
    else:
        head = f"### airules: all {n} files match {code(source)}\n"
    out = [head, "\n| File | Status | Detail |\n| --- | --- | --- |\n"]
    for status in statuses:
        mark = "✅" if status.state is State.OK else "❌"
        detail = "" if status.state is State.OK else text(status.message)
        out.append(f"| {code(status.path, cell=True)} | {mark} {status.state.value} | {detail} |\n")
    if any(s.needs_fix for s in statuses):
        out.append(
            f"\nEdit {code(source)}, not the generated files; then run `{FIX_COMMAND}` and "
            "commit the result.\n"
        )
    return "".join(out)
