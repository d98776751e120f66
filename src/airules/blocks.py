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


def find_block(text: str, path: str) -> Block | None:
    """The managed block of `text`, None if it has none; FatalError if markers are unbalanced."""
    lines = split_lines(text)
    candidates = [i for i, line in enumerate(lines) if _LOOSE_RE.match(line)]
    if not candidates:
        return None
    # A marker quoted in a code block is an example, not a marker. Code needs a fence or an
    # indent, so markdown-it is only consulted when one could be there.
    if "```" in text or "~~~" in text or any(lines[i][0] in " \t" for i in candidates):
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
