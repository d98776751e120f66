"""Find the managed block in a file that people also write in."""

from __future__ import annotations

import re
from dataclasses import dataclass

from airules.errors import FatalError

# A line that was meant as a marker, exact or not; exactness is judged afterwards so that a
# near miss is an error instead of silently creating a second block.
_LOOSE_RE = re.compile(r"[ \t]*<!--\s*airules\s*:\s*(begin|end)\b", re.IGNORECASE)
_BEGIN_RE = re.compile(r"<!-- airules:begin(?: [^\n]*)? -->")
_END_RE = re.compile(r"<!-- airules:end -->")
_HASH_RE = re.compile(r"\bsha256=([0-9a-f]+)")


@dataclass(frozen=True)
class Block:
    # Line indexes of the two marker lines.
    begin: int
    end: int
    recorded: str | None


def split_lines(text: str) -> list[str]:
    """Lines with their endings kept; only LF ends a line, so CR bytes stay where they are."""
    lines = text.split("\n")
    out = [line + "\n" for line in lines[:-1]]
    if lines[-1]:
        out.append(lines[-1])
    return out


def _code_lines(text: str) -> set[int]:
    from markdown_it import MarkdownIt

    # markdown-it also ends lines at a lone CR; blank those so its line numbers match ours.
    # Only block structure matters here; inline parsing is skipped because it costs seconds on
    # a megabyte of brackets and finds no code blocks.
    parser = MarkdownIt("commonmark").disable("inline")
    tokens = parser.parse(text.replace("\r\n", "\n").replace("\r", " "))
    lines: set[int] = set()
    for token in tokens:
        if token.type in ("fence", "code_block") and token.map:
            lines.update(range(token.map[0], token.map[1]))
    return lines


_FENCE_RE = re.compile(r"(`{3,}|~{3,})(.*)")


def fenced_lines(lines: list[str]) -> set[int] | None:
    """The lines inside fenced code, found without markdown-it; None when that is not certain.

    Certain for the shape nearly every rules file has: fences opened at column 0, outside any
    list or quote, and no HTML block that could hold a fence line. A column-0 line closes every
    list item and quote (fence and HTML lines are never lazy continuations), so such a fence is
    top level and runs to its closing line. Anything else (an indented or nested fence line, a
    line starting with `<`, a lone CR) is left to markdown-it, so the answer never differs from
    markdown-it's for a column-0 marker line; tests/test_blocks.py holds it to that.
    """
    code: set[int] = set()
    fence: tuple[str, int] | None = None
    for i, raw in enumerate(lines):
        line = raw.rstrip("\n").removesuffix("\r")
        if "\r" in line:
            return None
        if fence is not None:
            code.add(i)
            char, length = fence
            stripped = line.lstrip(" ")
            width = len(stripped) - len(stripped.lstrip(char))
            if (
                len(line) - len(stripped) <= 3
                and width >= length
                and not stripped[width:].strip(" \t")
            ):
                fence = None
            continue
        opened = _FENCE_RE.match(line)
        if opened is not None:
            marks, info = opened.groups()
            if marks[0] == "`" and "`" in info:
                return None
            fence = (marks[0], len(marks))
            code.add(i)
            continue
        if "```" in line or "~~~" in line:
            return None
        stripped = line.lstrip(" ")
        if (
            stripped.startswith("<")
            and len(line) - len(stripped) <= 3
            and not (_BEGIN_RE.fullmatch(line) or _END_RE.fullmatch(line))
        ):
            return None
    return code


def find_block(text: str, path: str) -> Block | None:
    """The managed block of `text`, None if it has none; FatalError if markers are unbalanced."""
    lines = split_lines(text)
    candidates = [i for i, line in enumerate(lines) if _LOOSE_RE.match(line)]
    if not candidates:
        return None
    # A marker quoted in a code block is an example, not a marker. Code needs a fence or an
    # indent; markdown-it (slow to import) is consulted only when the simple scan is unsure.
    indented = any(lines[i][0] in " \t" for i in candidates)
    if indented or "```" in text or "~~~" in text:
        code = None if indented else fenced_lines(lines)
        if code is None:
            code = _code_lines(text)
        candidates = [i for i in candidates if i not in code]
    begin: int | None = None
    block: Block | None = None
    for i in candidates:
        line = lines[i].rstrip("\n").removesuffix("\r")
        if _BEGIN_RE.fullmatch(line):
            if begin is not None:
                raise FatalError(
                    f"{path}:{i + 1}: a second airules:begin marker before the airules:end of "
                    f"line {begin + 1}; remove one of them"
                )
            if block is not None:
                raise FatalError(
                    f"{path}:{i + 1}: a second airules block (the first is on line "
                    f"{block.begin + 1}); remove one of them"
                )
            begin = i
        elif _END_RE.fullmatch(line):
            if begin is None:
                raise FatalError(
                    f"{path}:{i + 1}: airules:end marker without an airules:begin above it; "
                    "remove it or add the begin marker"
                )
            found = _HASH_RE.search(lines[begin])
            block = Block(begin, i, found.group(1) if found else None)
            begin = None
        else:
            raise FatalError(
                f"{path}:{i + 1}: malformed airules marker; write it at the start of the line "
                "exactly as `<!-- airules:begin -->` or `<!-- airules:end -->`"
            )
    if begin is not None:
        raise FatalError(
            f"{path}:{begin + 1}: airules:begin marker without an airules:end; add "
            "`<!-- airules:end -->` after the managed text"
        )
    return block
