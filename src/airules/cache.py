"""Replay a clean run when not one byte of its inputs has changed.

The check runs on every commit, and almost always finds nothing to do. A run that ended clean
(exit 0) stores what it printed and a fingerprint of everything it read: the config, the
source, every target (bytes, and where a path is a symlink, the link), the options, the folder
it ran from, and the tool's own files. The next run with the same options recomputes those
fingerprints first and, when all match, prints the stored output without importing the YAML
parser, markdown-it-py or the engine at all. Any difference, or any doubt, means a full run.

Only the standard library's cheapest modules are imported here: this module is the hot path.
The cache lives in the repository's git folder, so it is never committed, and a repository
without git simply gets no cache.
"""

from __future__ import annotations

import marshal
import os
import sys
from stat import S_ISLNK, S_ISREG

from airules import __version__
from airules.listing import git_files_named, walk_files

try:  # the C module directly: `hashlib` costs more to import than the whole lookup
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - CPython always has it, other interpreters may not
    from hashlib import blake2b

# `typing` costs more to import than everything else this module does.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from airules.tree import Tree

    # One observation: (kind, name, value). Kinds: "f" a file (its link and bytes), "n" the
    # files with a given name (nested rules), "d" the files below a folder.
    Input = tuple[str, str, Any]

FORMAT = 1
MAX_ENTRIES = 8
CONFIG_NAMES = (".airules.yml", ".airules.yaml")
FILE_NAME = "airules-cache"
# Set AIRULES_CACHE=0 to always do a full run (for debugging, or benchmarking the full run).
DISABLE_VAR = "AIRULES_CACHE"


def digest(data: bytes) -> bytes:
    return blake2b(data, digest_size=16).digest()


def find_root(start: str) -> str | None:
    """The nearest folder at or above `start` holding `.git` or an airules config."""
    folder = start
    while True:
        for name in (*CONFIG_NAMES, ".git"):
            if os.path.lexists(os.path.join(folder, name)):
                return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def cache_file(root: str) -> str | None:
    dotgit = os.path.join(root, ".git")
    if os.path.isdir(dotgit):
        return os.path.join(dotgit, FILE_NAME)
    try:  # a worktree or submodule: `.git` is a file saying where the git folder is
        with open(dotgit, encoding="utf-8") as f:
            line = f.readline().strip()
    except OSError:
        return None
    if not line.startswith("gitdir: "):
        return None
    gitdir = os.path.join(root, line[len("gitdir: ") :])
    return os.path.join(gitdir, FILE_NAME) if os.path.isdir(gitdir) else None


def _tool_stamp() -> list[tuple[str, int, int]]:
    # Editing airules itself (an editable install, an upgrade) must invalidate every entry.
    here = os.path.dirname(os.path.abspath(__file__))
    stamp = []
    for entry in os.scandir(here):
        if entry.name.endswith(".py"):
            st = entry.stat()
            stamp.append((entry.name, st.st_size, st.st_mtime_ns))
    return sorted(stamp)


def _key(argv: Sequence[str], root: str, cwd: str) -> bytes:
    color = (sys.stdout.isatty(), bool(os.environ.get("NO_COLOR")))
    parts = (FORMAT, __version__, _tool_stamp(), tuple(argv), root, cwd, color)
    return digest(repr(parts).encode("utf-8", "surrogateescape"))


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
# Non-blocking, so that a FIFO planted at a target's path cannot hang the lookup.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)


def observe_file(root: str, path: str) -> Any:
    """What a run would see at `path`: its link target if a symlink, and its bytes' digest."""
    full = os.path.join(root, path)
    if _NOFOLLOW:
        # The common case, a regular file, in one open: no readlink that fails first.
        try:
            fd = os.open(full, _OPEN_FLAGS | _NOFOLLOW)
        except FileNotFoundError:
            return None
        except OSError:
            fd = -1  # a symlink (ELOOP), or an error the slow path below reports the same way
        if fd >= 0:
            return _observe_fd(fd, None)
    try:
        link: str | None = os.readlink(full)
    except FileNotFoundError:
        return None
    except OSError:  # not a symlink (EINVAL), or a folder on the way is not a folder
        link = None
    try:
        fd = os.open(full, _OPEN_FLAGS)
    except OSError as e:
        return (link, e.errno)
    return _observe_fd(fd, link)


def _observe_fd(fd: int, link: str | None) -> Any:
    try:
        st = os.fstat(fd)
        if not S_ISREG(st.st_mode):
            return (link, "not a regular file")
        chunks = [os.read(fd, st.st_size + 1)]
        # A short read is the end of a regular file; one that filled the buffer grew since.
        if len(chunks[0]) > st.st_size:
            while chunk := os.read(fd, 65536):
                chunks.append(chunk)
        return (link, digest(b"".join(chunks)))
    except OSError as e:
        return (link, e.errno)
    finally:
        os.close(fd)


# A file untouched for this long before its entry was stored is trusted on replay by its stat
# alone (size, times, inode), as git trusts its index; a newer one is read and hashed, since a
# write within the same clock tick as the store could leave every stat field as it was.
RACY_NS = 2_000_000_000


def _signature(st: os.stat_result) -> tuple[int, int, int, int, int]:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


def _signature_of(root: str, path: str, want: bytes, now_ns: int) -> Any:
    """The stat signature of the regular file at `path` if it holds the bytes digested as
    `want` and is old enough to trust; else None (the entry keeps hashing)."""
    if not _NOFOLLOW:
        return None
    try:
        fd = os.open(os.path.join(root, path), _OPEN_FLAGS | _NOFOLLOW)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not S_ISREG(st.st_mode) or max(st.st_mtime_ns, st.st_ctime_ns) > now_ns - RACY_NS:
            return None
        if _observe_fd(os.dup(fd), None) != (None, want):
            return None
        # Unchanged while it was read.
        return _signature(st) if _signature(os.fstat(fd)) == _signature(st) else None
    except OSError:
        return None
    finally:
        os.close(fd)


def _trusted(root: str, inputs: Sequence[Input]) -> tuple[list[Input], bool]:
    """`inputs` with each old-enough regular file's observation turned into a stat-checked one
    ("s"), and whether any changed."""
    import time

    now_ns = time.time_ns()
    out: list[Input] = []
    changed = False
    for kind, name, value in inputs:
        old = None
        if kind == "s":
            if _stat_matches(root, name, value[0]):
                out.append((kind, name, value))
                continue
            # Signed before: sign again, in case the stat changed and the bytes did not.
            old, value = value
            kind = "f"
        if kind == "f" and isinstance(value, tuple) and value[0] is None:
            signature = _signature_of(root, name, value[1], now_ns)
            if signature is not None:
                out.append(("s", name, (signature, value)))
                changed = changed or signature != old
                continue
        out.append((kind, name, value))
        changed = changed or old is not None
    return out, changed


def _stat_matches(root: str, path: str, signature: Any) -> bool:
    try:
        st = os.stat(os.path.join(root, path), follow_symlinks=False)
    except (OSError, ValueError):
        return False
    return S_ISREG(st.st_mode) and _signature(st) == signature


def observe_file_data(root: str, path: str, data: bytes | None) -> Any:
    """The observation of a read that returned `data`, in the form `observe_file` gives."""
    if data is None:
        return None if not os.path.islink(os.path.join(root, path)) else observe_file(root, path)
    try:
        link: str | None = os.readlink(os.path.join(root, path))
    except OSError:
        link = None
    return (link, digest(data))


def _real_folder(root: str, name: str) -> str:
    """`root/name` with its links resolved: one lstat a part where no part is a link (the
    usual case), `realpath` otherwise."""
    full = os.path.join(root, name)
    parts = name.split("/")
    if "." in parts or ".." in parts:
        return os.path.realpath(full)
    path = root
    for part in parts:
        path = os.path.join(path, part)
        try:
            if S_ISLNK(os.lstat(path).st_mode):
                return os.path.realpath(full)
        except OSError:
            break  # missing: nothing below it to resolve
    return full


def _observe(root: str, kind: str, name: str) -> Any:
    if kind == "f":
        return observe_file(root, name)
    if kind == "d":
        real = _real_folder(root, name)
        if not real.startswith(os.path.join(root, "")):
            return None  # outside the root: the full run would refuse it
        return tuple(walk_files(real, name)) if os.path.isdir(real) else ()
    if kind == "n":
        try:
            code, found, _ = git_files_named(root, name)
        except OSError:
            return None
        return tuple(found) if code == 0 else None
    return object()  # an unknown kind never matches


def _load(path: str) -> dict[bytes, Any]:
    try:
        with open(path, "rb") as f:
            # One read, then parse: marshal.load on the file reads it piece by piece, many
            # times slower on the hot path.
            entries = marshal.loads(f.read())
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    return entries if isinstance(entries, dict) else {}


def _memo_key(root: str, key: object) -> tuple[str, bytes] | None:
    if os.environ.get(DISABLE_VAR) == "0":
        return None
    path = cache_file(root)
    if path is None:
        return None
    parts = ("memo", FORMAT, __version__, _tool_stamp(), key)
    return path, digest(repr(parts).encode("utf-8", "surrogateescape"))


def recall(root: str, key: object) -> Any:
    """What `remember` stored for `key` (say, a parsed config for its exact text), or None."""
    found = _memo_key(root, key)
    if found is None:
        return None
    entry = _load(found[0]).get(found[1])
    return entry[1] if isinstance(entry, tuple) and len(entry) == 2 else None


def remember(root: str, key: object, value: Any) -> None:
    found = _memo_key(root, key)
    if found is not None:
        _save(found[0], found[1], ("memo", value))


def replay(argv: Sequence[str]) -> bool:
    """Print the stored output of an identical clean run and return True, or return False."""
    if os.environ.get(DISABLE_VAR) == "0":
        return False
    try:
        cwd = os.getcwd()
    except OSError:
        return False
    root = find_root(cwd)
    path = cache_file(root) if root is not None else None
    if root is None or path is None:
        return False
    key = _key(argv, root, cwd)
    entry = _load(path).get(key)
    hashed = False
    try:
        inputs, out, err = entry  # type: ignore[misc]
        for kind, name, value in inputs:
            if kind == "s":
                signature, value = value
                if _stat_matches(root, name, signature):
                    continue
                kind = "f"
            if _observe(root, kind, name) != value:
                return False
            # A regular file read and hashed: maybe old enough now to sign.
            hashed = hashed or (kind == "f" and isinstance(value, tuple) and value[0] is None)
    except (TypeError, ValueError):
        return False
    sys.stdout.write(out)
    sys.stdout.flush()
    if err:
        sys.stderr.write(err)
    if hashed and _NOFOLLOW:
        # Files that were too new to trust by their stat when the run was stored may be old
        # enough now: the next replay then skips reading them.
        trusted, changed = _trusted(root, inputs)
        if changed:
            _save(path, key, (tuple(trusted), out, err))
    return True


def store(argv: Sequence[str], root: str, inputs: Sequence[Input], out: str, err: str) -> None:
    """Remember a clean run. Best effort: a cache that cannot be written is no cache."""
    if os.environ.get(DISABLE_VAR) == "0":
        return
    path = cache_file(root)
    if path is None:
        return
    try:
        key = _key(argv, root, os.getcwd())
    except OSError:
        return
    _save(path, key, (tuple(_trusted(root, inputs)[0]), out, err))


def _save(path: str, key: bytes, value: Any) -> None:
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        entries = _load(path)
        entries.pop(key, None)
        entries[key] = value
        while len(entries) > MAX_ENTRIES:
            del entries[next(iter(entries))]
        with open(tmp, "wb") as f:
            marshal.dump(entries, f)
        os.replace(tmp, path)
    except (OSError, ValueError):
        import contextlib

        with contextlib.suppress(OSError):
            os.unlink(tmp)


class Recorder:
    """A tree that notes what each read saw, so that a clean run can be stored."""

    @property
    def inputs(self) -> list[Input]:
        return [(kind, name, value) for (kind, name), value in self.observed.items()]

    def __init__(self, tree: Tree, root: str) -> None:
        self.tree = tree
        self.root = root
        # Keyed by what was observed, so reading a file twice (its link, then its bytes)
        # costs the replay one look.
        self.observed: dict[tuple[str, str], Any] = {}

    def read(self, path: str) -> bytes | None:
        data = self.tree.read(path)
        self.observed["f", path] = observe_file_data(self.root, path, data)
        return data

    def write(self, path: str, data: bytes) -> None:
        self.tree.write(path, data)

    def remove(self, path: str) -> None:
        self.tree.remove(path)  # type: ignore[attr-defined]

    def readlink(self, path: str) -> str | None:
        link = self.tree.readlink(path)
        self.observed["f", path] = observe_file(self.root, path)
        return link

    def symlink(self, path: str, target: str) -> bool:
        return self.tree.symlink(path, target)

    def find_files(self, name: str) -> list[str]:
        found = self.tree.find_files(name)
        self.observed["n", name] = tuple(found)
        return found

    def list_dir(self, folder: str) -> list[str]:
        found = self.tree.list_dir(folder)
        self.observed["d", folder] = tuple(found)
        return found

    # Orphans (orphans.py). The search is not replayed: a replay spawning `git grep` would cost
    # more than the whole clean check. Orphans appear when the config changes (an input), so a
    # replayed run can only miss one that a commit added without touching config or targets.
    def grep_generated(self, patterns: tuple[str, ...], pathspecs: tuple[str, ...]) -> list[str]:
        grep = getattr(self.tree, "grep_generated", None)
        return [] if grep is None else list(grep(patterns, pathspecs))

    # Only asked about a file that looks edited by hand: that run exits 1 and is not stored.
    def committed(self, path: str) -> bytes | None:
        committed = getattr(self.tree, "committed", None)
        return None if committed is None else committed(path)

    # Only asked when --fix creates a file: a run that writes is never replayed.
    def new_file_eol(self, path: str) -> str:
        eol = getattr(self.tree, "new_file_eol", None)
        return "\n" if eol is None else str(eol(path))
