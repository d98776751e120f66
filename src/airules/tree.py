"""The repository on disk: finding the root, and the `Tree` the engine reads and writes through.

Every operation of the working copy's tree goes through `confined`, which holds it inside the
root by directory descriptors rather than by checking path strings."""

from __future__ import annotations

import errno
import os
import posixpath
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Protocol

from airules import atomic, confined, safetext
from airules.confined import MAX_FILE_BYTES, TMP_SUFFIX, Id
from airules.errors import FatalError
from airules.listing import (
    BadListing,
    Sparse,
    git_attr_eol,
    git_committed,
    git_files_named,
    git_grep_files,
    git_majority_eol,
    not_checked_out,
    sparse_state,
)

__all__ = [
    "MAX_FILE_BYTES",
    "TMP_SUFFIX",
    "LocalTree",
    "NoSymlinks",
    "Overlay",
    "Tree",
    "find_root",
]

# What os.symlink raises where the system or file system has no symlinks for us (Windows
# without the privilege reports EPERM/winerror 1314; FAT and some network shares ENOTSUP).
_NO_SYMLINK_ERRNOS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS}


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


class Overlay(NoSymlinks):
    """A tree as it will be once `files` are written (None: deleted), for planning what the
    engine would do next without writing anything: writes land in `files` only."""

    def __init__(self, base: Tree, files: Mapping[str, bytes | None]) -> None:
        self.base = base
        self.files = dict(files)

    def read(self, path: str) -> bytes | None:
        if path in self.files:
            return self.files[path]
        # Below a file that goes (a `.clinerules` file becoming the `.clinerules/` folder).
        if any(path.startswith(p + "/") and v is None for p, v in self.files.items()):
            return None
        return self.base.read(path)

    def write(self, path: str, data: bytes) -> None:
        self.files[path] = data

    def readlink(self, path: str) -> str | None:
        return None if path in self.files else self.base.readlink(path)

    def _with_staged(self, listed: list[str], keep: Callable[[str], bool]) -> list[str]:
        """`listed` from the tree below, with the staged files `keep` takes, minus deletions."""
        staged = {p for p, v in self.files.items() if v is not None and keep(p)}
        gone = {p for p, v in self.files.items() if v is None}
        return sorted({*listed, *staged} - gone)

    def find_files(self, name: str) -> list[str]:
        found = self.base.find_files(name)
        return self._with_staged(found, lambda p: p.rsplit("/", 1)[-1] == name)

    def list_dir(self, folder: str) -> list[str]:
        listed = self.base.list_dir(folder)
        return self._with_staged(listed, lambda p: p.startswith(folder + "/"))


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


def umask() -> int:
    return atomic.umask()


class LocalTree:
    """The working copy, held by a root directory descriptor: see `confined`."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._fs = confined.Root(str(self.root))
        self._symlinks: bool | None = None
        # How a sparse checkout limits the tree, once first asked.
        self._sparse: Sparse = None
        self._sparse_known = False
        # The first name each file was read under, by (st_dev, st_ino): a second name for the
        # same file (a symlink, a hard link, a case-insensitive or Unicode-normalising file
        # system) would let --fix write the rules into the source or another target.
        self._names: dict[Id, str] = {}
        # What each look saw on its way (link texts, folder identities), by (kind, path): the
        # replay cache compares them, so a folder swapped for a link means a full run.
        self.trails: dict[tuple[str, str], tuple[object, ...] | None] = {}
        self._majority_eol: str | None = None

    def read(self, path: str) -> bytes | None:
        data, where = self._fs.read(path)
        self.trails["f", path] = None if where is None or data is None else tuple(where.trail)
        if where is not None and where.ident is not None:
            other = self._names.setdefault(where.ident, path)
            if other != path and self._fs.identity(other) != where.ident:
                # The first file was replaced since (another run's --fix) and its inode
                # number reused: not two names of one file.
                self._names[where.ident] = other = path
            if other != path:
                raise FatalError(
                    f"{path}: is the same file as {other} (a symlink, a hard link, or another "
                    "spelling of its name), so writing one would change the other; replace "
                    "the link with a separate file or drop one of them"
                )
        return data

    def remove_stale_temps(self, paths: Iterable[str]) -> list[str]:
        """Delete the temporary files a killed writer left beside `paths`; return their paths.

        Only files named like ours whose writer's process is gone: a run still at work keeps
        its file, and a reused pid errs on the side of keeping one.
        """
        return atomic.remove_stale_temps(self._fs, paths)

    def write(self, path: str, data: bytes) -> None:
        try:
            atomic.write(self._fs, path, data)
        except confined.Missing:  # pragma: no cover - create=True makes every folder
            raise FatalError(f"{path}: its folder vanished while airules wrote it") from None
        except OSError as e:
            raise FatalError(
                f"{path}: cannot be written ({e.strerror}); the file on disk is unchanged; "
                "free some space or fix the folder's permissions, then run again"
            ) from None

    def remove(self, path: str) -> None:
        """Delete the file (or link) at `path`, through its folder's descriptor; a file already
        gone is no error. Trees without this method (the GitHub one) never get a generated
        file to delete."""
        try:
            atomic.remove(self._fs, path)
        except OSError as e:
            raise FatalError(
                f"{path}: cannot be deleted ({e.strerror}); fix the folder's permissions"
            ) from None

    def readlink(self, path: str) -> str | None:
        text, trail = self._fs.readlink(path)
        self.trails["l", path] = tuple(trail)
        return text

    def _real_folder(self, path: str) -> str:
        """The real folder `path` goes in, from the root (a linked folder on its way moves it)."""
        folder = posixpath.dirname(path)
        try:
            where = self._fs.walk(f"{folder}/.")
        except confined.Missing:
            return folder
        where.close()
        return where.real

    def link_text(self, path: str, source: str) -> str:
        """What a symlink at `path` must hold to reach `source`, relative to where it lands."""
        return posixpath.relpath(source, self._real_folder(path) or ".")

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
        # The link must land inside the root, like every read and write: resolve where it
        # would lead from the folder it really goes in.
        try:  # noqa: SIM105
            self._fs.walk(posixpath.join(self._real_folder(path), target)).close()
        except confined.Missing:
            pass
        if not self._git_allows_symlinks():
            return False
        try:
            atomic.symlink(self._fs, path, target)
        except confined.Missing:  # pragma: no cover - create=True makes every folder
            raise FatalError(f"{path}: its folder vanished while airules wrote it") from None
        except OSError as e:
            if e.errno in _NO_SYMLINK_ERRNOS or getattr(e, "winerror", None) == 1314:
                return False
            raise FatalError(
                f"{path}: cannot be made a symlink ({e.strerror}); the file on disk is unchanged"
            ) from None
        return True

    def not_checked_out(self, path: str) -> bool:
        """Whether a sparse checkout leaves `path` out of the work tree."""
        if self._sparse_known is False:
            try:
                self._sparse = sparse_state(str(self.root))
            except OSError:
                self._sparse = None
            self._sparse_known = True
        return not_checked_out(self._sparse, path)

    def find_files(self, name: str) -> list[str]:
        try:
            code, found, problem = git_files_named(str(self.root), name)
        except BadListing as e:
            path, why = e.args
            raise FatalError(
                f"{safetext.line(path)}: git lists it, but it {why}; rename it or remove "
                "`nested: true`"
            ) from None
        except OSError as e:
            raise FatalError(
                f"{self.root}: finding every {name} needs git, which could not run "
                f"({e.strerror}); install git or remove `nested: true`"
            ) from None
        if code != 0:
            raise FatalError(
                f"{self.root}: `nested: true` finds every {name} with `git ls-files`, which "
                f"failed here ({safetext.line(problem) or 'no message'}); run airules-check "
                "inside a git repository or remove `nested: true`"
            )
        return found

    def list_dir(self, folder: str) -> list[str]:
        found, trail = self._fs.list_dir(folder)
        self.trails["d", folder] = tuple(trail)
        return found

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


def write_atomic(real: Path, data: bytes, mode: int | None = None) -> None:
    """Replace `real` with `data` in one rename, so no reader ever sees half a file: for files
    outside the working tree that git names (the hooks folder). The file keeps its mode unless
    `mode` is given; a new file gets the umask's default."""
    real.parent.mkdir(parents=True, exist_ok=True)
    folder: confined.Handle = str(real.parent)
    if confined.DIR_FD:
        folder = os.open(real.parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        atomic.replace_file(folder, real.name, data, mode=mode)
    finally:
        confined.close(folder)
