"""Listing files with git, shared by the tree and the cache.

git's output is input like any other: every path it returns is checked as a config path is
(no control characters, no `..`, nothing absolute, no `.git`), its stderr is drained while its
stdout is read (so no amount of warnings can deadlock it), and both are bounded.

Standard library only, and nothing costly at import: the cache replays this listing on the hot
path to prove that nothing new has appeared since a clean run.
"""

from __future__ import annotations

import os

from airules.confined import git_dir

# Ten thousand files with long names are a few megabytes; far beyond that is not a listing.
MAX_LISTING_BYTES = 64 * 1024 * 1024
# Only the first line of git's complaint is reported.
MAX_STDERR_BYTES = 64 * 1024
# Environment that says which repository and work tree git uses: relative values are made
# absolute, because git runs in the root (`-C`), not where airules was started.
_GIT_PATH_VARS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR", "GIT_INDEX_FILE")


class BadListing(ValueError):
    """git listed a path airules will not use; args: (path, problem)."""


def check_listed(path: str) -> str:
    """`path` if it is a clean relative path, else BadListing saying why."""
    if any(c < " " or c == "\x7f" for c in path):
        raise BadListing(path, "contains a control character such as a newline")
    parts = path.split("/")
    if path.startswith("/") or "" in parts or "." in parts or ".." in parts:
        raise BadListing(path, "is not a clean path inside the repository")
    if any(p.casefold() == ".git" for p in parts):
        raise BadListing(path, "is inside a .git folder")
    return path


def git_files_named(root: str, name: str) -> tuple[int, list[str], str]:
    """Every file called `name` that git tracks or would track (untracked, not ignored).

    Returns git's exit code, the sorted paths, and the first line of its complaint; raises
    OSError when git cannot run at all, BadListing when it lists a path airules refuses.
    """
    # Glob magic characters in the name must match themselves.
    escaped = "".join(f"\\{c}" if c in "*?[]\\" else c for c in name)
    args = ["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--"]
    code, out, err = git(root, [*args, f":(glob)**/{escaped}"])
    found = out.decode("utf-8", "surrogateescape").split("\0")
    problem = err.decode("utf-8", "replace").strip().splitlines()
    paths = sorted({check_listed(p) for p in found if p})
    return code, paths, problem[0] if problem else ""


def git_grep_files(
    root: str, patterns: tuple[str, ...], pathspecs: tuple[str, ...] = ()
) -> tuple[int, list[str], str]:
    """Every file git tracks or would track (untracked, not ignored) matching `pathspecs`
    with a line matching one of the extended regular expressions `patterns`. Exit code 1
    means none, as for grep."""
    args = ["grep", "-l", "-z", "-I", "--untracked", "--no-color", "-E"]
    for pattern in patterns:
        args += ["-e", pattern]
    code, out, err = git(root, [*args, "--", *pathspecs])
    found = out.decode("utf-8", "surrogateescape").split("\0")
    problem = err.decode("utf-8", "replace").strip().splitlines()
    return code, sorted({p for p in found if p}), problem[0] if problem else ""


def git_attr_eol(root: str, path: str) -> str | None:
    """`.gitattributes`' `eol` for `path` ("\\n" or "\\r\\n"), None when unset or without git."""
    code, out, _ = git(root, ["check-attr", "eol", "--", path])
    value = out.decode("utf-8", "replace").rsplit(": ", 1)[-1].strip() if code == 0 else ""
    return {"crlf": "\r\n", "lf": "\n"}.get(value)


def git_majority_eol(root: str) -> str | None:
    """The line ending most tracked text files have in the working tree; None without git."""
    code, out, _ = git(root, ["ls-files", "--eol", "-z"])
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
    code, out, _ = git(root, ["show", f"HEAD:./{path}"])
    return out if code == 0 else None


def git_env() -> dict[str, str]:
    env = dict(os.environ)
    for var in _GIT_PATH_VARS:
        if env.get(var):
            env[var] = os.path.abspath(env[var])
    return env


def git(root: str, args: list[str]) -> tuple[int, bytes, bytes]:
    if not hasattr(os, "posix_spawnp"):
        import subprocess

        result = subprocess.run(["git", *args], cwd=root, capture_output=True, env=git_env())
        return result.returncode, result.stdout, result.stderr
    # posix_spawn and two pipes instead of `subprocess`, whose import alone costs more than
    # the whole replayed check of a small repository.
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    try:
        pid = os.posix_spawnp(
            "git",
            ["git", "-C", root, *args],
            git_env(),
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
    try:
        stdout, stderr = _drain(out_r, err_r)
    finally:
        os.close(out_r)
        os.close(err_r)
        _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), stdout, stderr


def _drain(out_fd: int, err_fd: int) -> tuple[bytes, bytes]:
    """Read both pipes as data arrives, so git never blocks on a full stderr pipe while we
    wait on stdout; keep at most the bounds (the rest is read and dropped)."""
    import select

    out: list[bytes] = []
    err: list[bytes] = []
    sizes = {out_fd: 0, err_fd: 0}
    limits = {out_fd: MAX_LISTING_BYTES, err_fd: MAX_STDERR_BYTES}
    sinks = {out_fd: out, err_fd: err}
    open_fds = [out_fd, err_fd]
    while open_fds:
        ready, _, _ = select.select(open_fds, [], [])
        for fd in ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                open_fds.remove(fd)
                continue
            if sizes[fd] < limits[fd]:
                sinks[fd].append(chunk[: limits[fd] - sizes[fd]])
            sizes[fd] += len(chunk)
    if sizes[out_fd] > MAX_LISTING_BYTES:
        raise BadListing("git ls-files", f"printed more than {MAX_LISTING_BYTES} bytes")
    return b"".join(out), b"".join(err)


# None when the checkout is not sparse, else (the cone's folders or None, skipped paths).
Sparse = tuple[tuple[str, ...] | None, frozenset[str]] | None


def sparse_state(root: str) -> Sparse:
    """How a sparse checkout limits the work tree: the cone's folders (None when not in cone
    mode) and the tracked files git left out (skip-worktree); None when it is not sparse.
    Costs one look for a file unless the checkout is sparse."""
    state = None
    gitdir = git_dir(root)
    if gitdir is not None and os.path.exists(os.path.join(gitdir, "info", "sparse-checkout")):
        _, enabled, _ = git(root, ["config", "--bool", "core.sparseCheckout"])
        if enabled.strip() == b"true":
            _, cone, _ = git(root, ["config", "--bool", "core.sparseCheckoutCone"])
            folders: tuple[str, ...] | None = None
            if cone.strip() != b"false":
                code, out, _ = git(root, ["sparse-checkout", "list"])
                if code == 0:
                    folders = tuple(
                        line.strip("/")
                        for line in out.decode("utf-8", "surrogateescape").splitlines()
                    )
            code, out, _ = git(root, ["ls-files", "-t", "-z"])
            skipped = frozenset(
                entry[2:]
                for entry in out.decode("utf-8", "surrogateescape").split("\0")
                if entry.startswith("S ")
            )
            state = (folders, skipped)
    return state


def not_checked_out(state: Sparse, path: str) -> bool:
    """Whether a sparse checkout (`sparse_state`) leaves `path` out of the work tree: git
    skips it, or (cone mode) its folder is outside the cone."""
    if state is None:
        return False
    folders, skipped = state
    if path in skipped:
        return True
    if folders is None:
        return False
    folder = path.rpartition("/")[0]
    # Cone mode keeps the files directly in the root and in every parent of a cone folder,
    # and everything below a cone folder.
    inside = any(
        folder == f or folder.startswith(f + "/") or f.startswith(folder + "/") for f in folders
    )
    return bool(folder) and not inside
