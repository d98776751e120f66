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


def git_grep_files(
    root: str, patterns: tuple[str, ...], pathspecs: tuple[str, ...] = ()
) -> tuple[int, list[str], str]:
    """Every file git tracks or would track (untracked, not ignored) matching `pathspecs`
    with a line matching one of the extended regular expressions `patterns`. Exit code 1
    means none, as for grep."""
    args = ["grep", "-l", "-z", "-I", "--untracked", "--no-color", "-E"]
    for pattern in patterns:
        args += ["-e", pattern]
    code, out, err = _git(root, [*args, "--", *pathspecs])
    found = out.decode("utf-8", "surrogateescape").split("\0")
    problem = err.decode("utf-8", "replace").strip().splitlines()
    return code, sorted({p for p in found if p}), problem[0] if problem else ""


def git_attr_eol(root: str, path: str) -> str | None:
    """`.gitattributes`' `eol` for `path` ("\\n" or "\\r\\n"), None when unset or without git."""
    code, out, _ = _git(root, ["check-attr", "eol", "--", path])
    value = out.decode("utf-8", "replace").rsplit(": ", 1)[-1].strip() if code == 0 else ""
    return {"crlf": "\r\n", "lf": "\n"}.get(value)


def git_majority_eol(root: str) -> str | None:
    """The line ending most tracked text files have in the working tree; None without git."""
    code, out, _ = _git(root, ["ls-files", "--eol", "-z"])
    if code != 0:
        return None
    crlf = lf = 0
    for entry in out.split(b"\0"):
        # "i/lf    w/crlf  attr/...\tpath": the w/ column is the working tree's ending.
        fields = entry.split(b"\t", 1)[0].split()
        if len(fields) >= 2 and fields[1] == b"w/crlf":
            crlf += 1
        elif len(fields) >= 2 and fields[1] == b"w/lf":
            lf += 1
    return "\r\n" if crlf > lf else "\n"


def git_committed(root: str, path: str) -> bytes | None:
    """`path` (relative to `root`) as HEAD has it, or None when it has none or git cannot
    tell."""
    code, out, _ = _git(root, ["show", f"HEAD:./{path}"])
    return out if code == 0 else None


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
