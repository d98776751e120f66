"""Git merge conflict markers: finding them, and taking a conflicted file apart into its two
sides, so a file that only conflicts between two airules generations can be regenerated."""

from __future__ import annotations

import re

from airules.blocks import split_lines

# Git writes seven characters, then a space and a label (or nothing for `=======`).
_START_RE = re.compile(r"<{7}(?: .*)?\r?\n?")
_BASE_RE = re.compile(r"\|{7}(?: .*)?\r?\n?")
_MIDDLE_RE = re.compile(r"={7}\r?\n?")
_END_RE = re.compile(r">{7}(?: .*)?\r?\n?")


def has_markers(text: str) -> bool:
    """Cheap: a line starting `<<<<<<<` and a later line starting `>>>>>>>`."""
    start = text.find("<<<<<<<")
    return start != -1 and (start == 0 or text[start - 1] == "\n") and "\n>>>>>>>" in text[start:]


def first_marker_line(text: str) -> int | None:
    """The 1-based line of the first complete conflict's start marker, or None."""
    sides = sides_of(text)
    if sides is None:
        return None
    for i, line in enumerate(split_lines(text)):
        if _START_RE.fullmatch(line):
            return i + 1
    return None


def sides_of(text: str) -> tuple[str, str] | None:
    """The file as "ours" and as "theirs" (a diff3 base section is dropped); None when the text
    holds no complete conflict, or a marker out of order."""
    if not has_markers(text):
        return None
    ours: list[str] = []
    theirs: list[str] = []
    # 0 outside a conflict, 1 ours, 2 base, 3 theirs
    where = 0
    seen = False
    for line in split_lines(text):
        if where == 0:
            if _START_RE.fullmatch(line):
                where, seen = 1, True
            else:
                ours.append(line)
                theirs.append(line)
        elif _BASE_RE.fullmatch(line) and where == 1:
            where = 2
        elif _MIDDLE_RE.fullmatch(line) and where in (1, 2):
            where = 3
        elif _END_RE.fullmatch(line) and where == 3:
            where = 0
        elif _START_RE.fullmatch(line):
            return None
        elif where == 1:
            ours.append(line)
        elif where == 3:
            theirs.append(line)
    if where != 0 or not seen:
        return None
    return "".join(ours), "".join(theirs)
