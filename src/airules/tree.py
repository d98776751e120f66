"""The repository on disk: finding the root, reading, and atomic writes inside the root only."""

from __future__ import annotations

import os
import re
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from airules.config import CONFIG_NAMES
from airules.errors import FatalError

# No editor reads rules files anywhere near this size; refusing keeps memory bounded.
MAX_FILE_BYTES = 1024 * 1024
TMP_SUFFIX = ".airules-tmp"
_TMP_REST_RE = re.compile(r"([0-9]+)\.[A-Za-z0-9_]+")


class Tree(Protocol):
    """What the engine needs from a repository: the working copy, or a branch on GitHub."""

    def read(self, path: str) -> bytes | None:
        """The file's bytes, or None when it does not exist."""

    def write(self, path: str, data: bytes) -> None: ...


def find_root(start: Path) -> Path:
    """The nearest folder at or above `start` holding `.git` or an airules config."""
    start = start.resolve()
    for folder in (start, *start.parents):
        for name in (*CONFIG_NAMES, ".git"):
            if os.path.lexists(folder / name):
                return folder
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


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class LocalTree:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        # The first name each file was read under: a second name for the same file means a
        # symlink joins two paths airules treats as different files (a target and the source).
        self._names: dict[Path, str] = {}

    def _real(self, path: str) -> Path:
        real = Path(os.path.realpath(self.root / path))
        if real != self.root and self.root not in real.parents:
            raise FatalError(
                f"{path}: resolves outside the repository through a symlink; airules never "
                "reads or writes there, so replace the link with a file or choose another path"
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
        removed = []
        for path in paths:
            real = self._real(path)
            prefix = f".{real.name}."
            try:
                entries = list(os.scandir(real.parent))
            except OSError:
                continue
            for entry in entries:
                name = entry.name
                if not (name.startswith(prefix) and name.endswith(TMP_SUFFIX)):
                    continue
                # Exactly pid and mkstemp's random part, so `.a.` never claims `.a.1.`'s files.
                found = _TMP_REST_RE.fullmatch(name[len(prefix) : -len(TMP_SUFFIX)])
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
        real = self._real(path)
        try:
            real.parent.mkdir(parents=True, exist_ok=True)
            try:
                mode = stat.S_IMODE(real.stat().st_mode)
            except FileNotFoundError:
                mode = 0o666 & ~_umask()
            # The pid in the name lets a later run tell a crashed writer's leftovers from a
            # writer that is still at work.
            fd, tmp = tempfile.mkstemp(
                dir=real.parent, prefix=f".{real.name}.{os.getpid()}.", suffix=TMP_SUFFIX
            )
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                    f.flush()
                    os.fsync(f.fileno())
                os.chmod(tmp, mode)
                os.replace(tmp, real)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as e:
            raise FatalError(
                f"{path}: cannot be written ({e.strerror}); the file on disk is unchanged; "
                "free some space or fix the folder's permissions, then run again"
            ) from None
