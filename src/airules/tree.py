"""The repository on disk: finding the root, reading, and atomic writes inside the root only."""

from __future__ import annotations

import errno
import os
import posixpath
import re
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from airules.errors import FatalError
from airules.listing import (
    TMP_SUFFIX,
    git_attr_eol,
    git_committed,
    git_files_named,
    git_grep_files,
    git_majority_eol,
    walk_files,
)

# No editor reads rules files anywhere near this size; refusing keeps memory bounded.
MAX_FILE_BYTES = 1024 * 1024
# What os.symlink raises where the system or file system has no symlinks for us (Windows
# without the privilege reports EPERM/winerror 1314; FAT and some network shares ENOTSUP).
_NO_SYMLINK_ERRNOS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS}
_TMP_REST_RE = re.compile(r"([0-9]+)\.[A-Za-z0-9_]+")


class Tree(Protocol):
    """What the engine needs from a repository: the working copy, or a branch on GitHub."""

    def read(self, path: str) -> bytes | None:
        """The file's bytes, or None when it does not exist."""

    def write(self, path: str, data: bytes) -> None: ...

    def readlink(self, path: str) -> str | None:
        """The link text when `path` is a symlink, else None (always None without symlinks)."""

    def symlink(self, path: str, target: str) -> bool:
        """Make `path` a symlink to `target` (relative to its folder), replacing what is there.

        False, with nothing changed, when this tree cannot hold symlinks; the engine then
        writes a copy instead.
        """

    def find_files(self, name: str) -> list[str]:
        """Every file called `name` in the repository (tracked or not ignored), sorted."""

    def list_dir(self, folder: str) -> list[str]:
        """The files below `folder`, as root-relative paths; [] when there is no such folder."""


class NoSymlinks:
    """For trees that cannot hold symlinks: `mode: symlink` targets are then plain copies."""

    def readlink(self, path: str) -> str | None:
        return None

    def symlink(self, path: str, target: str) -> bool:
        return False


def find_root(start: Path) -> Path:
    """The nearest folder at or above `start` holding `.git` or an airules config."""
    from airules.cache import find_root as find

    start = start.resolve()
    found = find(str(start))
    if found is not None:
        return Path(found)
    raise FatalError(
        f"{start}: not inside a git repository and no .airules.yml above it; "
        "run airules-check inside your repository"
    )


def _pid_alive(pid: int) -> bool:
    if os.name == "nt":
        # os.kill on Windows terminates the process instead of probing it: assume it lives.
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class LocalTree:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._symlinks: bool | None = None
        self._majority_eol: str | None = None
        # The first name each file was read under: a second name for the same file means a
        # symlink joins two paths airules treats as different files (a target and the source).
        self._names: dict[Path, str] = {}

    def _real(self, path: str, shown: str | None = None) -> Path:
        """`path` with its symlinks resolved; FatalError naming `shown` if that leaves the root."""
        real = Path(os.path.realpath(self.root / path))
        if real != self.root and self.root not in real.parents:
            raise FatalError(
                f"{shown or path}: resolves outside the repository through a symlink; airules "
                "never reads or writes there, so replace the link with a file or choose "
                "another path"
            )
        return real

    def read(self, path: str) -> bytes | None:
        real = self._real(path)
        other = self._names.setdefault(real, path)
        if other != path:
            raise FatalError(
                f"{path}: is the same file as {other} through a symlink, so writing one would "
                "change the other; replace the link with a file or drop one of them"
            )
        try:
            st = real.stat()
        except FileNotFoundError:
            if (self.root / path).is_symlink():
                raise FatalError(
                    f"{path}: is a broken symlink; remove it or point it at a file"
                ) from None
            return None
        except NotADirectoryError:
            raise FatalError(
                f"{path}: a folder on its path is a file; move that file or choose another path"
            ) from None
        except OSError as e:
            # A link loop or a name the file system refuses: nothing to read, and no traceback.
            raise FatalError(
                f"{path}: cannot be read ({e.strerror}); fix the path or its links, "
                "or choose another path"
            ) from None
        if stat.S_ISDIR(st.st_mode):
            raise FatalError(f"{path}: is a directory, not a file; move it or choose another path")
        if not stat.S_ISREG(st.st_mode):
            raise FatalError(f"{path}: is not a regular file; move it or choose another path")
        if st.st_size > MAX_FILE_BYTES:
            raise FatalError(
                f"{path}: is {st.st_size} bytes, over the {MAX_FILE_BYTES} airules reads; "
                "no editor reads rules that long, so shorten it"
            )
        try:
            return real.read_bytes()
        except OSError as e:
            raise FatalError(
                f"{path}: cannot be read ({e.strerror}); check its permissions"
            ) from None

    def remove_stale_temps(self, paths: Iterable[str]) -> list[str]:
        """Delete the temporary files a killed writer left beside `paths`; return their paths.

        Only files named like ours whose writer's process is gone: a run still at work keeps
        its file, and a reused pid errs on the side of keeping one.
        """
        places: set[tuple[Path, str]] = set()
        for path in paths:
            # Links are made beside the path; files are written where it resolves to.
            folder = self._real(posixpath.dirname(path) or ".", shown=path)
            places.add((folder, posixpath.basename(path)))
            try:
                real = self._real(path)
            except FatalError:  # a link out of the root, which symlink mode may replace
                continue
            places.add((real.parent, real.name))
        removed = []
        for folder, name in sorted(places):
            prefix = f".{name}."
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue
            for entry in entries:
                if not (entry.name.startswith(prefix) and entry.name.endswith(TMP_SUFFIX)):
                    continue
                # Exactly pid and mkstemp's random part, so `.a.` never claims `.a.1.`'s files.
                found = _TMP_REST_RE.fullmatch(entry.name[len(prefix) : -len(TMP_SUFFIX)])
                if found is None or _pid_alive(int(found.group(1))):
                    continue
                try:
                    if entry.is_file(follow_symlinks=False):
                        os.unlink(entry.path)
                        removed.append(Path(entry.path).relative_to(self.root).as_posix())
                except OSError:
                    # Housekeeping only: a leftover that cannot go is harmless, never fatal.
                    continue
        return removed

    def write(self, path: str, data: bytes) -> None:
        try:
            write_atomic(self._real(path), data)
        except OSError as e:
            raise FatalError(
                f"{path}: cannot be written ({e.strerror}); the file on disk is unchanged; "
                "free some space or fix the folder's permissions, then run again"
            ) from None

    def remove(self, path: str) -> None:
        """Delete the file (or link) at `path`; a file already gone is no error. Trees without
        this method (the GitHub one) never get a generated file to delete."""
        folder = self._real(posixpath.dirname(path) or ".", shown=path)
        try:
            st = os.lstat(folder / posixpath.basename(path))
            if stat.S_ISDIR(st.st_mode):
                raise FatalError(f"{path}: is a directory, not a file; airules leaves it")
            os.unlink(folder / posixpath.basename(path))
        except FileNotFoundError:
            return
        except OSError as e:
            raise FatalError(
                f"{path}: cannot be deleted ({e.strerror}); fix the folder's permissions"
            ) from None

    def readlink(self, path: str) -> str | None:
        folder = self._real(posixpath.dirname(path) or ".", shown=path)
        try:
            return os.readlink(folder / posixpath.basename(path))
        except (OSError, ValueError):
            return None

    def _git_allows_symlinks(self) -> bool:
        # A checkout with core.symlinks=false (Git for Windows' default) turns links into
        # plain files holding the link text, so a copy serves its editors better.
        if self._symlinks is None:
            import subprocess

            try:
                result = subprocess.run(
                    ["git", "config", "--bool", "core.symlinks"],
                    cwd=self.root,
                    capture_output=True,
                    text=True,
                )
                self._symlinks = result.stdout.strip() != "false"
            except OSError:
                self._symlinks = True
        return self._symlinks

    def symlink(self, path: str, target: str) -> bool:
        # The link must land inside the root, like every read and write.
        self._real(posixpath.normpath(posixpath.join(posixpath.dirname(path), target)))
        if not self._git_allows_symlinks():
            return False
        # The folder is confined to the root; the name itself may be a link to replace.
        folder = self._real(posixpath.dirname(path) or ".", shown=path)
        name = posixpath.basename(path)
        tmp = folder / f".{name}.{os.getpid()}.link{TMP_SUFFIX}"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tmp.unlink(missing_ok=True)
            try:
                os.symlink(target, tmp)
            except OSError as e:
                if e.errno in _NO_SYMLINK_ERRNOS or getattr(e, "winerror", None) == 1314:
                    return False
                raise
            try:
                os.replace(tmp, folder / name)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
        except OSError as e:
            raise FatalError(
                f"{path}: cannot be made a symlink ({e.strerror}); the file on disk is unchanged"
            ) from None
        return True

    def find_files(self, name: str) -> list[str]:
        try:
            code, found, problem = git_files_named(str(self.root), name)
        except OSError as e:
            raise FatalError(
                f"{self.root}: finding every {name} needs git, which could not run "
                f"({e.strerror}); install git or remove `nested: true`"
            ) from None
        if code != 0:
            raise FatalError(
                f"{self.root}: `nested: true` finds every {name} with `git ls-files`, which "
                f"failed here ({problem or 'no message'}); run airules-check "
                "inside a git repository or remove `nested: true`"
            )
        return found

    def list_dir(self, folder: str) -> list[str]:
        real = self._real(folder)
        return walk_files(str(real), folder) if real.is_dir() else []

    # Beyond the Tree protocol: what finding and pruning orphaned files needs (orphans.py).

    def grep_generated(self, patterns: tuple[str, ...], pathspecs: tuple[str, ...]) -> list[str]:
        """Files git lists (among `pathspecs`) with a line matching one of `patterns`;
        FatalError without git."""
        try:
            code, found, problem = git_grep_files(str(self.root), patterns, pathspecs)
        except OSError as e:
            raise FatalError(f"{self.root}: git could not run ({e.strerror})") from None
        if code not in (0, 1):
            raise FatalError(f"{self.root}: git grep failed ({problem or 'no message'})")
        return found

    def committed(self, path: str) -> bytes | None:
        """`path` as the last commit has it (None without one): what airules last generated
        from, when a formatter has rewritten a file since."""
        try:
            data = git_committed(str(self.root), path)
        except OSError:
            return None
        return data if data is not None and len(data) <= MAX_FILE_BYTES else None

    def new_file_eol(self, path: str) -> str:
        """The line ending for a file airules creates at `path`: `.gitattributes`' `eol`, else
        the majority of tracked text files; a CRLF repository gets CRLF files, so git has
        nothing to warn about."""
        try:
            found = git_attr_eol(str(self.root), path)
            if found is None:
                if self._majority_eol is None:
                    self._majority_eol = git_majority_eol(str(self.root)) or "\n"
                found = self._majority_eol
        except OSError:
            found = None
        return found or "\n"


def _create_temp(real: Path) -> tuple[int, Path]:
    """A new, private file beside `real`, as mkstemp makes one (`tempfile` itself costs a
    `--fix` more to import than writing its files)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(10):
        # The pid in the name lets a later run tell a crashed writer's leftovers from a
        # writer that is still at work; O_EXCL makes the name this writer's alone.
        tmp = real.parent / f".{real.name}.{os.getpid()}.{os.urandom(6).hex()}{TMP_SUFFIX}"
        try:
            return os.open(tmp, flags | getattr(os, "O_BINARY", 0), 0o600), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary file name", str(real.parent))


def write_atomic(real: Path, data: bytes, mode: int | None = None) -> None:
    """Replace `real` with `data` in one rename, so no reader ever sees half a file.

    The file keeps its mode unless `mode` is given; a new file gets the umask's default.
    """
    real.parent.mkdir(parents=True, exist_ok=True)
    if mode is None:
        try:
            mode = stat.S_IMODE(real.stat().st_mode)
        except FileNotFoundError:
            mode = 0o666 & ~umask()
    fd, tmp = _create_temp(real)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, real)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
