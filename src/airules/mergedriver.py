"""A git merge driver for generated files, so they never conflict.

gitattributes(5), "Defining a custom merge driver": git runs `merge.<name>.driver` with `%O`
(the ancestor's version), `%A` (ours, where the result must be left) and `%B` (theirs) in
temporary files, and `%P` (the path); exit 0 means merged cleanly, anything else a conflict.
https://git-scm.com/docs/gitattributes#_defining_a_custom_merge_driver

Two generations of an airules block (or of an owned file) differ only in what airules
rendered, which the next `--fix` renders again from the merged `ai-rules.md`. So the driver
takes ours for the generated part and leaves every hand-written line to git's own three-way
merge: a real conflict in text people wrote still conflicts.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from airules.blocks import find_block, split_lines
from airules.errors import FatalError
from airules.render import digest, normalize, owned_recorded_hash
from airules.tree import Tree

DRIVER_NAME = "airules"
ATTRIBUTES = ".gitattributes"


def _generated_owned(text: str) -> bool:
    recorded, actual = owned_recorded_hash(normalize(text))
    return recorded is not None and recorded == actual


def _block(text: str) -> tuple[str, str, str] | None:
    """(before, block, after) when `text` holds one airules block as generated, else None."""
    try:
        found = find_block(text, "merged file")
    except FatalError:
        return None
    if found is None:
        return None
    lines = split_lines(text)
    inner = normalize("".join(lines[found.begin + 1 : found.end]))
    if found.recorded != digest(inner):
        return None  # edited by hand inside the block: that edit is git's to merge
    return (
        "".join(lines[: found.begin]),
        "".join(lines[found.begin : found.end + 1]),
        "".join(lines[found.end + 1 :]),
    )


def _git_merge_file(ours: Path, base: Path, theirs: Path, path: str) -> int:
    result = subprocess.run(
        [
            *("git", "merge-file", "-L", f"ours:{path}", "-L", "base", "-L", f"theirs:{path}"),
            *(str(ours), str(base), str(theirs)),
        ],
        capture_output=True,
    )
    return 0 if result.returncode == 0 else 1


def merge(base: Path, ours: Path, theirs: Path, path: str) -> int:
    """Merge the three versions into `ours`; 0 when clean, 1 when conflicts remain."""
    texts = []
    for file in (base, ours, theirs):
        try:
            texts.append(file.read_bytes().decode("utf-8"))
        except (OSError, UnicodeDecodeError):
            return _git_merge_file(ours, base, theirs, path)
    _, mine, other = texts
    if _generated_owned(mine) and _generated_owned(other):
        return 0  # ours is already in %A; --fix renders the merged rules over it
    blocks = [_block(text) for text in texts]
    mine_block, other_block = blocks[1], blocks[2]
    if mine_block is None or other_block is None:
        return _git_merge_file(ours, base, theirs, path)
    # Every side gets our block, so git merges only the text around it.
    for file, found in ((base, blocks[0]), (theirs, other_block)):
        if found is not None:
            before, _, after = found
            file.write_bytes((before + mine_block[1] + after).encode("utf-8"))
    return _git_merge_file(ours, base, theirs, path)


def _git_config(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "config", *args], cwd=root, capture_output=True, text=True, check=False
    )


def driver_command() -> str:
    # The interpreter airules runs under now: the console script may not be on git's PATH.
    return f"{shlex.quote(sys.executable)} -m airules --merge-driver %O %A %B %P"


def _attribute_line(path: str) -> str:
    # Anchored at the root; spaces and specials in a path would need quoting that older gits
    # do not read, so they are escaped as glob characters.
    escaped = "".join(f"\\{c}" if c in ' *?[]\\"#!' else c for c in path)
    return f"/{escaped} merge={DRIVER_NAME}"


def install(tree: Tree, root: Path, paths: Sequence[str]) -> str:
    """Configure the driver in this clone and add `.gitattributes` lines for `paths`."""
    out = []
    wanted = {
        f"merge.{DRIVER_NAME}.name": "airules: keep one generation; --fix regenerates it",
        f"merge.{DRIVER_NAME}.driver": driver_command(),
    }
    for key, value in wanted.items():
        current = _git_config(root, "--get", key)
        if current.returncode == 0 and current.stdout.rstrip("\n") == value:
            out.append(f"git config {key}: already set\n")
            continue
        result = _git_config(root, key, value)
        if result.returncode != 0:
            raise FatalError(
                f"{root}: `git config {key}` failed ({result.stderr.strip() or 'no message'}); "
                "run --install-merge-driver inside a git repository"
            )
        out.append(f"git config {key}: set\n")
    data = tree.read(ATTRIBUTES)
    text = "" if data is None else data.decode("utf-8", "surrogateescape")
    have = {line.strip() for line in text.splitlines()}
    new = [line for line in map(_attribute_line, paths) if line not in have]
    if new:
        eol = "\r\n" if "\r\n" in text else "\n"
        if text and not text.endswith("\n"):
            text += eol
        text += eol.join(["# airules: generated files merge without conflicts", *new]) + eol
        tree.write(ATTRIBUTES, text.encode("utf-8", "surrogateescape"))
        out.append(f"{ATTRIBUTES}: added {len(new)} line{'s' if len(new) != 1 else ''}\n")
    else:
        out.append(f"{ATTRIBUTES}: already lists every generated file\n")
    out.append(
        "airules: merge driver installed; commit .gitattributes. Each clone runs "
        "`airules-check --install-merge-driver` once (git config is not committed)\n"
    )
    return "".join(out)


def main_merge_driver(args: Sequence[str]) -> int:
    base, ours, theirs, path = args
    cwd = Path(os.getcwd())
    return merge(cwd / base, cwd / ours, cwd / theirs, path)
