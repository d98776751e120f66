"""Text from the repository made safe to print: no raw control characters reach a terminal
or a CI log, so a rules file or a file name cannot move the cursor, set the window title
(OSC), hide text, or start a line of its own."""

from __future__ import annotations

# Kept as they are in multi-line text: they only lay text out.
_LAYOUT = frozenset("\n\t")


def _escape(c: str) -> str:
    code = ord(c)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _bad(c: str) -> bool:
    code = ord(c)
    # C0 controls, DEL and C1 controls (U+0080-U+009F: 8-bit CSI and OSC among them), and
    # the Unicode line and paragraph separators that some terminals and logs break lines at.
    return code < 0x20 or 0x7F <= code <= 0x9F or code in (0x2028, 0x2029)


def line(text: str) -> str:
    """`text` for one line of output: every control character escaped, newlines too."""
    if text.isprintable():
        return text
    return "".join(_escape(c) if _bad(c) else c for c in text)


def block(text: str) -> str:
    """Multi-line `text` (a diff, a report): control characters escaped but newlines and
    tabs. A carriage return is escaped too: it would let a line overwrite what came before."""
    if text.isprintable():
        return text
    return "".join(_escape(c) if _bad(c) and c not in _LAYOUT else c for c in text)
