"""Writing inside the working tree: every file replaced atomically through its folder's
descriptor (never by a path the kernel resolves), links made the same way, and a killed
writer's leftovers cleared. Resolution is `confined`'s; this part is not on the replay path, so
it lives apart and costs a replayed check nothing.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable
from stat import S_IMODE, S_ISDIR, S_ISREG

from airules.confined import (
    FILE_FLAGS,
    TMP_SUFFIX,
    Handle,
    Missing,
    Root,
    directory_error,
    is_stale,
    open_at,
    replace_at,
    stat_at,
    symlink_at,
    unlink_at,
)
from airules.errors import FatalError

_CLOEXEC = getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def write(root: Root, path: str, data: bytes) -> None:
    """Replace the file at `path` (a link inside the root: the file it leads to) in one
    rename, keeping its mode, owner and extended attributes (ACLs included)."""
    where = root.walk(path, create=True)
    try:
        if where.name is None:
            raise directory_error(path)
        replace_file(where.fd, where.name, data)
    finally:
        where.close()


def symlink(root: Root, path: str, text: str) -> None:
    """Make `path` a symlink holding `text`, replacing what is there, in one rename."""
    where = root.walk(path, follow=False, create=True)
    try:
        assert where.name is not None, path
        tmp = f".{where.name}.{os.getpid()}.link{TMP_SUFFIX}"
        try:  # noqa: SIM105
            unlink_at(tmp, where.fd)
        except FileNotFoundError:
            pass
        symlink_at(text, tmp, where.fd)
        try:
            replace_at(tmp, where.name, where.fd)
        except BaseException:
            _unlink_quietly(tmp, where.fd)
            raise
    finally:
        where.close()


def remove(root: Root, path: str) -> None:
    """Unlink the file or link at `path` (the name itself, never what a link leads to)."""
    try:
        where = root.walk(path, follow=False)
    except Missing:
        return
    try:
        if where.name is None:
            raise directory_error(path)
        try:
            st = stat_at(where.name, where.fd)
        except FileNotFoundError:
            return
        if S_ISDIR(st.st_mode):
            raise FatalError(f"{path}: is a directory, not a file; airules leaves it")
        unlink_at(where.name, where.fd)
    finally:
        where.close()


def remove_stale_temps(root: Root, paths: Iterable[str]) -> list[str]:
    """Delete the temporary files a killed writer left beside `paths`; return their paths.

    Only files named like ours whose writer's process is gone: a run still at work keeps
    its file, and a reused pid errs on the side of keeping one.
    """
    places: dict[str, set[str]] = {}
    for path in paths:
        # Links are made beside the path; files are written where it resolves to.
        for follow in (False, True):
            try:
                where = root.walk(path, follow=follow)
            except (Missing, FatalError):
                continue
            folder = "/".join(where.folders)
            where.close()
            if where.name is not None:
                places.setdefault(folder, set()).add(where.name)
    removed = []
    for folder, names in sorted(places.items()):
        try:
            where = root.walk(f"{folder}/.")
        except (Missing, FatalError):
            continue
        try:
            for entry in os.scandir(where.fd):
                if is_stale(entry.name, names) and entry.is_file(follow_symlinks=False):
                    try:
                        unlink_at(entry.name, where.fd)
                    except OSError:
                        # Housekeeping only: a leftover that cannot go is harmless.
                        continue
                    removed.append(f"{folder}/{entry.name}" if folder else entry.name)
        except OSError:
            continue
        finally:
            where.close()
    return sorted(removed)


def _unlink_quietly(name: str, dir_fd: Handle) -> None:
    try:  # noqa: SIM105
        unlink_at(name, dir_fd)
    except OSError:
        pass


def _me() -> tuple[int, int]:
    return (os.geteuid(), os.getegid())


def umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _xattrs(fd: int) -> list[tuple[str, bytes]]:
    """The file's extended attributes, POSIX ACLs (`system.posix_acl_access`) among them."""
    if not hasattr(os, "listxattr"):
        return []
    try:
        names = os.listxattr(fd)
    except OSError:
        return []
    out = []
    for name in names:
        try:
            out.append((name, os.getxattr(fd, name)))
        except OSError:
            continue
    return out


def replace_file(dir_fd: Handle, name: str, data: bytes, *, mode: int | None = None) -> None:
    """Replace `name` in the folder open at `dir_fd` with `data`, so no reader ever sees half
    a file: a new temporary file made with O_CREAT|O_EXCL|O_NOFOLLOW beside it, flushed, given
    the old file's mode, owner and extended attributes, then renamed over it.

    `mode`, when given, wins; otherwise the old file's, or for a new file the umask's default.
    """
    attrs: list[tuple[str, bytes]] = []
    owner = None
    try:
        old = open_at(name, FILE_FLAGS, dir_fd)
    except FileNotFoundError:
        old = None
    if old is not None:
        try:
            st = os.fstat(old)
            if not S_ISREG(st.st_mode):
                raise OSError(errno.EINVAL, "not a regular file")
            if mode is None:
                mode = S_IMODE(st.st_mode)
            owner = (st.st_uid, st.st_gid)
            attrs = _xattrs(old)
        finally:
            os.close(old)
    if mode is None:
        mode = 0o666 & ~umask()
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC
    for _ in range(10):
        # The pid in the name lets a later run tell a crashed writer's leftovers from a
        # writer that is still at work; O_EXCL makes the name this writer's alone.
        tmp = f".{name}.{os.getpid()}.{os.urandom(6).hex()}{TMP_SUFFIX}"
        try:
            fd = open_at(tmp, flags, dir_fd, 0o600)
            break
        except FileExistsError:
            continue
    else:
        raise FileExistsError(errno.EEXIST, "no free temporary file name", name)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
            if owner is not None and hasattr(os, "fchown") and owner != _me():
                try:  # noqa: SIM105
                    os.fchown(fd, *owner)
                except OSError:
                    pass  # only root may give a file away; the rules still get written
            if hasattr(os, "fchmod"):
                os.fchmod(fd, mode)
            else:  # Windows: only the read-only bit, set by path
                os.chmod(os.path.join(dir_fd, tmp), mode)  # type: ignore[arg-type]
            for key, value in attrs:
                try:  # noqa: SIM105
                    os.setxattr(fd, key, value)
                except OSError:
                    pass  # security.* needs privileges this run may not have
        finally:
            os.close(fd)
        replace_at(tmp, name, dir_fd)
    except BaseException:
        _unlink_quietly(tmp, dir_fd)
        raise
