"""Warnings about rules files an editor will ignore or never see. Pure: the caller supplies
what the targets will hold and a way to read other files; nothing here touches the disk."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from airules.blocks import find_block, split_lines
from airules.config import TargetConfig
from airules.errors import FatalError
from airules.targets import EDITORS, ZED_FIRST_MATCH, Editor

# Stable names for --format json; the wording of the messages may change, these may not.
CLAUDE_HIDES_AGENTS = "claude-hides-agents"
ZED_FIRST_MATCH_KIND = "zed-first-match"
CURSOR_MD_IGNORED = "cursor-md-ignored"
MDC_WITHOUT_FRONT_MATTER = "mdc-without-front-matter"
SIZE_LIMIT = "size-limit"
DEPRECATED_EDITOR = "deprecated-editor"
# An editor reads the rules more than once (airules.planner), or a file dedupe no longer writes
# is still there.
DUPLICATE_RULES = "duplicate-rules"
# Every kind, in one place: `warnings:` in the config turns any of them off by this name.
WARNING_KINDS = (
    CLAUDE_HIDES_AGENTS,
    ZED_FIRST_MATCH_KIND,
    CURSOR_MD_IGNORED,
    MDC_WITHOUT_FRONT_MATTER,
    SIZE_LIMIT,
    DEPRECATED_EDITOR,
    DUPLICATE_RULES,
)

CURSOR_RULES = ".cursor/rules"
# Claude Code imports with `@path`, relative to the importing file.
_IMPORTS_AGENTS_RE = re.compile(r"(?<![\w`])@(?:\./)?AGENTS\.md(?![\w.])")


@dataclass(frozen=True)
class Advice:
    kind: str
    path: str
    message: str
    # The config line the advice is about, or 0.
    line: int = 0
    # A note reports what no change of config avoids (a duplicate no arrangement removes):
    # printed like a warning, but --strict does not fail on it.
    note: bool = False

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


Reader = Callable[[str], "str | None"]


def _editor(target: TargetConfig) -> Editor | None:
    return None if target.custom else EDITORS.get(target.id)


def _outside_block(text: str, path: str) -> str:
    try:
        found = find_block(text, path)
    except FatalError:
        return text
    if found is None:
        return text
    lines = split_lines(text)
    return "".join(lines[: found.begin] + lines[found.end + 1 :])


def _claude_hides_agents(
    texts: dict[str, str], targets: Sequence[TargetConfig], read: Reader
) -> list[Advice]:
    # Claude Code reads AGENTS.md only in a folder without CLAUDE.md (since v2.1.277).
    out = []
    for target in targets:
        if posixpath.basename(target.path) != "AGENTS.md":
            continue
        folder = posixpath.dirname(target.path)
        claude = posixpath.join(folder, "CLAUDE.md")
        claude_text = texts[claude] if claude in texts else read(claude)
        if claude_text is None or _IMPORTS_AGENTS_RE.search(claude_text):
            continue
        if claude in texts:
            # The rules reach Claude through CLAUDE.md; only text people wrote around the
            # block in AGENTS.md stays hidden.
            if not target.shared or target.mode == "symlink":
                continue
            if not _outside_block(texts[target.path], target.path).strip():
                continue
            message = (
                "Claude Code reads AGENTS.md only where there is no CLAUDE.md, so it never sees "
                "the text in AGENTS.md outside the airules block; move that text into the rules "
                "source, or add a line `@AGENTS.md` to CLAUDE.md"
            )
        else:
            message = (
                "Claude Code reads AGENTS.md only where there is no CLAUDE.md, and this "
                "CLAUDE.md does not import it, so Claude never sees the rules; add a line "
                "`@AGENTS.md` to CLAUDE.md, or add `claude` to the targets"
            )
        out.append(Advice(CLAUDE_HIDES_AGENTS, claude, message))
    return out


def _zed_first_match(texts: dict[str, str], modes: dict[str, str], read: Reader) -> list[Advice]:
    managed = [name for name in ZED_FIRST_MATCH if name in texts]
    if not managed:
        return []
    for name in ZED_FIRST_MATCH:
        if name in texts:
            if modes[name] == "import":
                return [
                    Advice(
                        ZED_FIRST_MATCH_KIND,
                        name,
                        f"Zed reads only the first of {', '.join(ZED_FIRST_MATCH)} that exists, "
                        "which here is this file, and it does not follow @imports, so Zed sees "
                        "the import line instead of the rules; add the `zed` target, or use "
                        "mode: copy for this one",
                    )
                ]
            return []
        if read(name) is not None:
            hidden = ", ".join(managed)
            return [
                Advice(
                    ZED_FIRST_MATCH_KIND,
                    name,
                    f"Zed reads only the first of {', '.join(ZED_FIRST_MATCH)} that exists, so "
                    f"this file hides {hidden}, which airules manages; delete it, or add the "
                    "`zed` target to put the rules in .rules",
                )
            ]
    return []


def _rules_folder(path: str) -> str | None:
    parts = path.split("/")
    for i in range(len(parts) - 2):
        if parts[i] == ".cursor" and parts[i + 1] == "rules":
            return "/".join(parts[: i + 2])
    return None


def _cursor_rules(
    texts: dict[str, str],
    folders: Sequence[str],
    read: Reader,
    list_dir: Callable[[str], list[str]],
) -> list[Advice]:
    # https://cursor.com/docs/context/rules: rules are .mdc files; their front matter says
    # when they apply, and a rule without it is applied only when @-mentioned.
    files = {p for p in texts if p.endswith((".md", ".mdc")) and _rules_folder(p)}
    for folder in folders:
        files.update(list_dir(folder))
    out = []
    for path in sorted(files):
        if path.endswith(".md"):
            out.append(
                Advice(
                    CURSOR_MD_IGNORED,
                    path,
                    "Cursor reads only .mdc files in .cursor/rules/, so it ignores this one; "
                    "rename it to .mdc with front matter such as `alwaysApply: true`, or move it",
                )
            )
    for path in sorted(p for p in files | set(texts) if p.endswith(".mdc")):
        text = texts[path] if path in texts else read(path)
        if text is not None and not text.startswith("---\n"):
            out.append(
                Advice(
                    MDC_WITHOUT_FRONT_MATTER,
                    path,
                    "has no front matter, so Cursor treats it as a manual rule, applied only "
                    "when someone @-mentions it; start it with front matter such as "
                    "`alwaysApply: true`",
                )
            )
    return out


def _size(text: str, unit: str) -> int:
    return len(text.encode("utf-8")) if unit == "bytes" else len(text)


def _size_limits(final: Sequence[tuple[TargetConfig, str]]) -> list[Advice]:
    out = []
    for target, text in final:
        editor = _editor(target)
        if editor is None or editor.limit is None:
            continue
        limit = editor.limit
        size = _size(text, limit.unit)
        what = f"is {size:,} {limit.unit}"
        if limit.cumulative:
            folder = posixpath.dirname(target.path)
            chain = [
                (t, x)
                for t, x in final
                if t.id == target.id
                and not t.custom
                and (
                    not posixpath.dirname(t.path)
                    or f"{folder}/".startswith(f"{posixpath.dirname(t.path)}/")
                )
            ]
            if len(chain) > 1:
                # Files are joined with a blank line between them.
                size = sum(_size(x, limit.unit) for _, x in chain) + 2 * (len(chain) - 1)
                name = posixpath.basename(target.path)
                what = f"with the {name} files above it makes {size:,} {limit.unit}"
        if size > limit.size:
            out.append(
                Advice(
                    SIZE_LIMIT,
                    target.path,
                    f"{what}, over the {limit.size:,} {limit.unit} {limit.reader} reads "
                    f"{limit.what}; the rest is ignored, so shorten the rules",
                )
            )
    return out


def _deprecated(targets: Sequence[TargetConfig], config_path: str | None) -> list[Advice]:
    out = []
    for target in targets:
        editor = _editor(target)
        # Nested copies repeat a configured entry; the entry is what to change.
        if editor is None or editor.status != "deprecated" or target.source is not None:
            continue
        note = f" ({editor.note})" if editor.note else ""
        successor = f"`{editor.successor}`" if editor.successor in EDITORS else editor.successor
        out.append(
            Advice(
                DEPRECATED_EDITOR,
                config_path or target.path,
                f"`{editor.id}`: {editor.name} is deprecated since {editor.since}{note}; "
                f"move to {successor}",
                line=target.line if config_path else 0,
            )
        )
    return out


def collect(
    final: Sequence[tuple[TargetConfig, str]],
    *,
    config_path: str | None,
    read: Reader,
    list_dir: Callable[[str], list[str]],
) -> list[Advice]:
    """Every warning for targets that will hold the given texts (normalized to LF).

    `read` returns the text of any other file, or None when there is none; `list_dir` lists
    the files below a folder.
    """
    targets = [t for t, _ in final]
    texts = {t.path: text for t, text in final}
    modes = {t.path: t.mode for t in targets}
    folders = sorted(
        {CURSOR_RULES}
        | {f"{posixpath.dirname(t.source)}/{CURSOR_RULES}" for t in targets if t.source}
        | {f for f in map(_rules_folder, texts) if f}
    )
    return [
        *_deprecated(targets, config_path),
        *_claude_hides_agents(texts, targets, read),
        *_zed_first_match(texts, modes, read),
        *_cursor_rules(texts, folders, read, list_dir),
        *_size_limits(final),
    ]
