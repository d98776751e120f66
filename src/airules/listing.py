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
    """The files below the real folder `real`, named as `folder/...`, sorted and bounded.

    What `os.walk` gives (links to folders are not followed, unreadable folders are skipped),
    with `os.scandir` directly: the replay lists a folder per editor that scopes rules.
    """
    out: list[str] = []
    _walk(real, folder, out)
    return out


def _walk(real: str, prefix: str, out: list[str]) -> bool:
    """Add the files below `real` to `out`; True once the bound is reached."""
    try:
        with os.scandir(real) as it:
            entries = list(it)
    except OSError:
        return False
    files: list[str] = []
    folders: list[os.DirEntry[str]] = []
    for entry in entries:
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if is_dir:
            folders.append(entry)
        elif not entry.name.endswith(TMP_SUFFIX):
            files.append(entry.name)
    for name in sorted(files):
        out.append(f"{prefix}/{name}")
        if len(out) >= MAX_LISTED_FILES:
            return True
    for entry in sorted(folders, key=lambda e: e.name):
        if not entry.is_symlink() and _walk(entry.path, f"{prefix}/{entry.name}", out):
            return True
    return False


def git_files_named(root: str, name: str) -> tuple[int, list[str], str]:
    """Every file called `name` that git tracks or would track (untracked, not ignored).

    Returns git's exit code, the sorted paths, and the first line of its complaint; raises
    OSError when git cannot run at all.
    """
    # Glob magic characters in the name must match themselves.
    escaped = "".join(f"\\{c}" if c in "*?[]\\" else c for c in name)
    args = ["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--"]
    code, out, err = _git(root, [*args, f":(glob)**/{escaped}"])
    found = out.decode("utf-8", "surrogateescape").split("\0")
    problem = err.decode("utf-8", "replace").strip().splitlines()
    return code, sorted({p for p in found if p}), problem[0] if problem else ""


def _git(root: str, args: list[str]) -> tuple[int, bytes, bytes]:
    if not hasattr(os, "posix_spawnp"):
        import subprocess

        result = subprocess.run(["git", *args], cwd=root, capture_output=True)
        return result.returncode, result.stdout, result.stderr
    # posix_spawn and two pipes instead of `subprocess`, whose import alone costs more than
    # the whole replayed check of a small repository.
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    try:
        pid = os.posix_spawnp(
            "git",
            ["git", "-C", root, *args],
            os.environ,
            file_actions=[
                (os.POSIX_SPAWN_DUP2, out_w, 1),
                (os.POSIX_SPAWN_DUP2, err_w, 2),
                (os.POSIX_SPAWN_CLOSE, out_r),
                (os.POSIX_SPAWN_CLOSE, err_r),
            ],
        )
    except BaseException:
        for fd in (out_r, out_w, err_r, err_w):
            os.close(fd)
        raise
    os.close(out_w)
    os.close(err_w)
    # git says little on stderr, far less than a pipe holds, so reading stdout first is safe.
    with open(out_r, "rb") as out, open(err_r, "rb") as err:
        stdout, stderr = out.read(), err.read()
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), stdout, stderr
