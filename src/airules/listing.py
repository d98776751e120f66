"""Listing files: the two ways a run discovers paths, shared by the tree and the cache.

Standard library only, and nothing costly at import: the cache replays these listings on the
hot path to prove that nothing new has appeared since a clean run.
"""

from __future__ import annotations

import os

TMP_SUFFIX = ".airules-tmp"
# A rules folder holds a handful of files; stop listing long before a mistake gets costly.
MAX_LISTED_FILES = 1000


def walk_files(real: str, folder: str) -> list[str]:
    """The files below the real folder `real`, named as `folder/...`, sorted and bounded."""
    out: list[str] = []
    for dirpath, dirnames, filenames in os.walk(real):
        dirnames.sort()
        rel = os.path.relpath(dirpath, real).replace(os.sep, "/")
        prefix = folder if rel == "." else f"{folder}/{rel}"
        for filename in sorted(filenames):
            if filename.endswith(TMP_SUFFIX):
                continue
            out.append(f"{prefix}/{filename}")
            if len(out) >= MAX_LISTED_FILES:
                return out
    return out


def git_files_named(root: str, name: str) -> tuple[int, list[str], str]:
    """Every file called `name` that git tracks or would track (untracked, not ignored).

    Returns git's exit code, the sorted paths, and the first line of its complaint; raises
    OSError when git cannot run at all.
    """
    import subprocess

    # Glob magic characters in the name must match themselves.
    escaped = "".join(f"\\{c}" if c in "*?[]\\" else c for c in name)
    argv = ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--"]
    result = subprocess.run([*argv, f":(glob)**/{escaped}"], cwd=root, capture_output=True)
    found = result.stdout.decode("utf-8", "surrogateescape").split("\0")
    problem = result.stderr.decode("utf-8", "replace").strip().splitlines()
    return result.returncode, sorted({p for p in found if p}), problem[0] if problem else ""
