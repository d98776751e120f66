"""Settings files that make an editor read its rules file: Aider reads `CONVENTIONS.md` only
when `.aider.conf.yml` lists it under `read:`.

Pure text in, text out. A person's settings file is theirs: an entry is added by editing the
text surgically (one line added or one value extended), never by re-dumping the YAML, so every
comment, key and the file's own formatting stay. The edit is then proven by parsing both texts:
the result must hold exactly the old settings plus the entry. Where no such edit is certain, the
caller reports the line to add instead of writing.
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass

AIDER_CONF = ".aider.conf.yml"
AIDER_HEADER = (
    "# Aider reads the files listed under `read:` into every chat; airules keeps the entry\n"
    "# for the rules it writes (`airules-check --fix`). Other settings: aider.chat/docs/config\n"
)

_KEY_RE = re.compile(r"read[ \t]*:(?=[ \t]|$)(.*)$")
_PLAIN_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./+-]*")
# Anchors, aliases and tags change what a value means in ways a line edit cannot follow.
_RISKY_RE = re.compile(r"(^|[\s\[{,:-])[&*!][^\s]")


@dataclass(frozen=True)
class Edit:
    # The new text; None when the entry is already there or the file cannot be edited safely.
    text: str | None
    # Why the file cannot be edited safely, or "".
    problem: str = ""


def scalar(value: str) -> str:
    """`value` as a YAML scalar: plain when that is unambiguous, else double-quoted."""
    return value if _PLAIN_RE.fullmatch(value) else json.dumps(value)


def line_to_add(entry: str) -> str:
    return f"read: {scalar(entry)}"


def _load(text: str) -> object:
    import yaml

    loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)


def _listed(value: object, entry: str) -> bool:
    items = value if isinstance(value, list) else [value]
    return any(isinstance(i, str) and posixpath.normpath(i) == entry for i in items)


def _split_comment(rest: str) -> tuple[str, str]:
    """The value and its trailing comment (with the spaces before it)."""
    cuts = [i for i in (rest.find(" #"), rest.find("\t#")) if i >= 0]
    value = rest[: min(cuts)] if cuts else rest
    return value, rest[len(value.rstrip()) :]


def add_read_entry(text: str, entry: str) -> Edit:
    """`text` (LF line endings, no BOM) with `entry` added to its top-level `read:` list."""
    import yaml

    if _RISKY_RE.search(text):
        return Edit(None, "uses YAML anchors, aliases or tags")
    try:
        data = _load(text)
    except yaml.YAMLError:
        return Edit(None, "is not valid YAML")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return Edit(None, "is not a mapping of settings")
    if "read" in data and _listed(data["read"], entry):
        return Edit(text)
    lines = text.splitlines(keepends=True)
    keys = [i for i, line in enumerate(lines) if _KEY_RE.match(line)]
    new = _edited(lines, keys, entry, data)
    if new is None:
        return Edit(None, "has a `read:` entry in a shape airules does not edit")
    old = data.get("read")
    want = entry if old is None else [*(old if isinstance(old, list) else [old]), entry]
    try:
        got = _load(new)
    except yaml.YAMLError:
        got = None
    if got != {**data, "read": want}:
        return Edit(None, "could not be edited without changing its other settings")
    return Edit(new)


def _edited(
    lines: list[str], keys: list[int], entry: str, data: dict[object, object]
) -> str | None:
    item = scalar(entry)
    if not keys:
        if "read" in data:
            return None  # written in a way the line scan does not see (a flow mapping)
        body = "".join(lines)
        if body and not body.endswith("\n"):
            body += "\n"
        return body + f"read: {item}\n"
    if len(keys) > 1:
        return None
    i = keys[0]
    found = _KEY_RE.match(lines[i])
    assert found is not None
    newline = "\n" if lines[i].endswith("\n") else ""
    value, comment = _split_comment(found.group(1).rstrip("\n"))
    value = value.strip()
    head = lines[i][: found.start(1)]
    if value.startswith("[") and value.endswith("]") and "[" not in value[1:-1]:
        inner = value[1:-1].rstrip()
        joined = f"[{inner}, {item}]" if inner.strip() else f"[{item}]"
        lines[i] = f"{head} {joined}{comment}{newline}"
        return "".join(lines)
    quoted = value[:1] in "\"'" and value[-1:] == value[:1] and len(value) > 1
    if value and (value[0] not in "[{|>\"'" or quoted):
        lines[i] = f"{head} [{value}, {item}]{comment}{newline}"
        return "".join(lines)
    if value:
        return None
    # `read:` then a block list below it: add an item after the last one, indented like it.
    last = None
    indent = None
    for j in range(i + 1, len(lines)):
        line = lines[j]
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        dash = re.match(r"([ \t]*)- ", line) or re.match(r"([ \t]*)-$", line.rstrip("\n"))
        if dash is None:
            if line[:1] in " \t":
                return None  # a continuation line: a multi-line item
            break
        if indent is None:
            indent = dash.group(1)
        elif dash.group(1) != indent:
            return None
        last = j
    if last is None:
        lines[i] = f"{head} {item}{comment}{newline}"
        return "".join(lines)
    if not lines[last].endswith("\n"):
        lines[last] += "\n"
    lines.insert(last + 1, f"{indent}- {item}\n")
    return "".join(lines)
