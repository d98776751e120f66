"""Whether two Markdown texts are the same document: what a formatter (Prettier, mdformat) may
change without changing what a reader, or an AI, is given.

Compared as markdown-it-py token streams with the spelling left out: list markers and their
numbers, emphasis characters, heading style, paragraph wrapping, blank lines, table padding,
escapes, and indented versus fenced code. Text, structure, code and link targets must match.

markdown-it is slow to import, so this module is only ever imported on the slow path: after the
cheap exact comparison has already failed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

# Hashes airules records in its own banner and markers; a formatter never writes them.
_HASH_RE = re.compile(r"(sha256[:=])[0-9a-f]+")
_SPACE_RE = re.compile(r"\s+")
_FRONT_MATTER_RE = re.compile(r"\A---\n(.*?\n)?---\n", re.DOTALL)
# Inline tokens whose spelling is markup only; their text is joined with the words around them.
_TEXTUAL = {"text", "text_special", "softbreak", "html_inline"}


@lru_cache(maxsize=1)
def _parser() -> Any:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


def mask_hashes(text: str) -> str:
    return _HASH_RE.sub(r"\1", text)


def _inline(children: Sequence[Any]) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    words: list[str] = []

    def flush() -> None:
        if words:
            joined = _SPACE_RE.sub(" ", "".join(words)).strip()
            if joined:
                out.append(("text", joined))
            words.clear()

    for child in children:
        if child.type in _TEXTUAL:
            words.append(" " if child.type == "softbreak" else child.content)
            continue
        flush()
        attrs = tuple(sorted((k, str(v)) for k, v in (child.attrs or {}).items()))
        content = child.content if child.type in ("code_inline", "image") else ""
        out.append((child.type, child.tag, content, *(f"{k}={v}" for k, v in attrs)))
    flush()
    return out


def _front_matter(text: str) -> tuple[object, str]:
    # Compared line by line, not as YAML: an editor's own parser decides what `True` or a
    # quoted value means, so only trailing spaces and blank lines are left out.
    found = _FRONT_MATTER_RE.match(text)
    if found is None:
        return None, text
    lines = tuple(line.rstrip() for line in (found.group(1) or "").splitlines() if line.strip())
    return ("front matter", lines), text[found.end() :]


def canonical(text: str) -> tuple[object, ...]:
    """The document `text` holds, with formatting choices left out."""
    text = text.replace("\r\n", "\n").removeprefix("\ufeff")
    head, body = _front_matter(text)
    env: dict[str, Any] = {}
    out: list[object] = [head]
    for token in _parser().parse(body, env):
        if token.type == "inline":
            out.extend(_inline(token.children or ()))
            continue
        if token.type in ("code_block", "fence"):
            # Indented and fenced code are the same code; the info string names its language.
            info = token.info.strip().split(" ")[0] if token.type == "fence" else ""
            out.append(("code", info, token.content))
            continue
        if token.type == "html_block":
            out.append(("html", mask_hashes(token.content).strip()))
            continue
        start = (token.attrs or {}).get("start", "1") if token.type == "ordered_list_open" else ""
        # `hidden` (tight or loose lists) and `markup` (which marker) are spelling, not content.
        out.append((token.type, token.tag, str(start)))
    references = env.get("references", {})
    out.append(tuple(sorted((k, repr(sorted(v.items()))) for k, v in references.items())))
    return tuple(out)


_WORD_RE = re.compile(r"[^\W_]+")
_ORDERED_MARKER_RE = re.compile(r"^[ \t>]*\d{1,9}[.)]", re.MULTILINE)


def _words(text: str) -> list[str]:
    """The words of `text` with list numbers left out: what no formatting may change. A cheap
    test that spares markdown-it (seconds on a large file) whenever the words differ."""
    import html

    return _WORD_RE.findall(html.unescape(_ORDERED_MARKER_RE.sub("", mask_hashes(text))))


def equivalent(a: str, b: str) -> bool:
    """Whether `a` and `b` hold the same Markdown document."""
    return _words(a) == _words(b) and canonical(a) == canonical(b)
