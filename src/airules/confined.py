"""The one place airules touches the working tree: a root directory descriptor, and every path
resolved one component at a time relative to directory descriptors with O_NOFOLLOW.

Checking a path string and then using it by name loses to anyone who swaps a folder for a
symlink in between, and to links that lead into `.git`. Here nothing is ever opened by a path
that the kernel resolves for us: each folder is opened from the descriptor of the one before,
a symlink is read and walked again (from its own folder, or from the root when absolute) with a
bounded number of hops, `..` can never climb above the root, and a folder that is the
repository's git directory, compared by (st_dev, st_ino) whatever it is called, is refused.
The same idea as Go's `os.Root` and Rust's `cap-std`.

Standard library only, and cheap to import: the replay cache resolves paths with it too, so a
replay is never more lenient than a full run (hence try/except/pass, not `contextlib`, whose
import would cost the replay). Where the system has no `dir_fd` (Windows), a folder is held
by its path instead and each step checks the entry with `lstat` first: the same answers, but
not proof against a folder swapped between the check and the use.
"""

import errno
import os
from stat import S_ISDIR, S_ISLNK, S_ISREG

from airules.errors import FatalError

# No editor reads rules files anywhere near this size; refusing keeps memory bounded.
MAX_FILE_BYTES = 1024 * 1024
# Links followed while resolving one path; Linux's own limit is 40.
MAX_HOPS = 40
TMP_SUFFIX = ".airules-tmp"
# A rules folder holds a handful of files; stop listing long before a mistake gets costly.
MAX_LISTED_FILES = 1000

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIR = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW | _CLOEXEC
# Non-blocking, so that opening a FIFO cannot hang; fstat then refuses it.
_FILE = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
FILE_FLAGS = _FILE = _FILE | _CLOEXEC | getattr(os, "O_BINARY", 0)
# Folders held by descriptors (POSIX), or by their paths where `dir_fd` does not exist.
DIR_FD = (
    hasattr(os, "O_DIRECTORY")
    and os.open in os.supports_dir_fd
    and os.readlink in os.supports_dir_fd
    and os.stat in os.supports_dir_fd
    and os.scandir in os.supports_fd
)
# A folder: its descriptor, or (without `dir_fd`) its path.
Handle = int | str


def open_folder(name: str, at: Handle) -> Handle:
    """The folder `name` in `at`, never through a link (OSError ELOOP or ENOTDIR then)."""
    if DIR_FD:
        return os.open(name, _DIR, dir_fd=at)  # type: ignore[arg-type]
    path = os.path.join(at, name)  # type: ignore[arg-type]
    st = os.lstat(path)
    # A junction is a link too, though not S_ISLNK.
    tag: object = getattr(st, "st_reparse_tag", None)
    if S_ISLNK(st.st_mode) or tag:
        raise OSError(errno.ELOOP, "a link", path)
    if not S_ISDIR(st.st_mode):
        raise OSError(errno.ENOTDIR, "not a folder", path)
    return path


def open_at(name: str, flags: int, at: Handle, mode: int = 0o777) -> int:
    """os.open of `name` in the folder `at`; never through a link (O_NOFOLLOW, or lstat)."""
    if DIR_FD:
        return os.open(name, flags, mode, dir_fd=at)  # type: ignore[arg-type]
    path = os.path.join(at, name)  # type: ignore[arg-type]
    if not flags & os.O_CREAT or not flags & os.O_EXCL:
        try:
            if S_ISLNK(os.lstat(path).st_mode):
                raise OSError(errno.ELOOP, "a link", path)
        except FileNotFoundError:
            if not flags & os.O_CREAT:
                raise
    return os.open(path, flags | getattr(os, "O_BINARY", 0), mode)


def readlink_at(name: str, at: Handle) -> str:
    if DIR_FD:
        return os.readlink(name, dir_fd=at)  # type: ignore[arg-type]
    return os.readlink(os.path.join(at, name))  # type: ignore[arg-type]


def stat_at(name: str, at: Handle) -> os.stat_result:
    if DIR_FD:
        return os.stat(name, dir_fd=at, follow_symlinks=False)  # type: ignore[arg-type]
    return os.lstat(os.path.join(at, name))  # type: ignore[arg-type]


def stat_folder(at: Handle) -> os.stat_result:
    return os.fstat(at) if DIR_FD else os.stat(at)  # type: ignore[arg-type]


def mkdir_at(name: str, at: Handle) -> None:
    if DIR_FD:
        os.mkdir(name, 0o777, dir_fd=at)  # type: ignore[arg-type]
    else:
        os.mkdir(os.path.join(at, name))  # type: ignore[arg-type]


def unlink_at(name: str, at: Handle) -> None:
    if DIR_FD:
        os.unlink(name, dir_fd=at)  # type: ignore[arg-type]
    else:
        os.unlink(os.path.join(at, name))  # type: ignore[arg-type]


def replace_at(src: str, dst: str, at: Handle) -> None:
    if DIR_FD:
        os.replace(src, dst, src_dir_fd=at, dst_dir_fd=at)  # type: ignore[arg-type]
    else:
        os.replace(os.path.join(at, src), os.path.join(at, dst))  # type: ignore[arg-type]


def symlink_at(text: str, name: str, at: Handle) -> None:
    if DIR_FD:
        os.symlink(text, name, dir_fd=at)  # type: ignore[arg-type]
    else:
        os.symlink(text, os.path.join(at, name))  # type: ignore[arg-type]


def dup(at: Handle) -> Handle:
    return os.dup(at) if DIR_FD else at  # type: ignore[arg-type]


def close(at: Handle) -> None:
    if DIR_FD:
        os.close(at)  # type: ignore[arg-type]


# What opening a symlink with O_NOFOLLOW (or a file with O_DIRECTORY) fails with.
_NOT_A_FOLDER = {errno.ELOOP, errno.ENOTDIR, getattr(errno, "EMLINK", errno.ELOOP)}

# (st_dev, st_ino); for a file not there yet, its folder's and its name.
Id = tuple[int, int] | tuple[int, int, str]


class Missing(Exception):
    """Nothing at the path (or a folder on it). `linked`: a symlink led there, so it is broken."""

    def __init__(self, linked: bool) -> None:
        self.linked = linked


class NotAFolder(FatalError):
    """A file stands where a folder on the path should be."""


class Where:
    """A resolved path: its real parent folder (an open descriptor) and its final name."""

    __slots__ = ("fd", "folders", "ident", "linked", "name", "owned", "trail")

    def __init__(
        self,
        fd: Handle,
        name: str | None,
        folders: list[str],
        trail: list[object],
        linked: bool,
        owned: bool = True,
    ) -> None:
        self.fd = fd
        # False when `fd` is a folder the Root holds (see Root.hold): the Root closes it.
        self.owned = owned
        # None when the path names the folder `fd` itself.
        self.name = name
        # The real folder from the root, name by name.
        self.folders = folders
        # Every link text followed and every folder's (st_dev, st_ino), in order: what the
        # replay cache compares, so a folder swapped for a link means a full run.
        self.trail = trail
        self.linked = linked
        # The file's (st_dev, st_ino), once read.
        self.ident: Id | None = None

    @property
    def real(self) -> str:
        return "/".join([*self.folders, self.name] if self.name else self.folders)

    def close(self) -> None:
        if self.owned:
            close(self.fd)


def _gitfile(fd: int) -> str | None:
    """What the `.git` file open at `fd` names (`gitdir: PATH`, a worktree or submodule), or
    None; closes `fd`."""
    try:
        line = os.read(fd, 4096).decode("utf-8", "replace").split("\n")[0].strip()
    finally:
        os.close(fd)
    return line[len("gitdir: ") :].strip() if line.startswith("gitdir: ") else None


def git_dir(root: str) -> str | None:
    """The repository's git folder: $GIT_DIR, `.git`, or the folder a `.git` file names."""
    env = os.environ.get("GIT_DIR")
    if env:
        env = os.path.abspath(env)
        return env if os.path.isdir(env) else None
    dotgit = os.path.join(root, ".git")
    if os.path.isdir(dotgit) and not os.path.islink(dotgit):
        return dotgit
    try:
        named = _gitfile(os.open(dotgit, _FILE))
    except OSError:
        return None
    if named is None:
        return None
    found = os.path.join(root, named)
    return found if os.path.isdir(found) else None


def _git_dirs(root: str, root_fd: Handle) -> set[Id]:
    """The identities of the repository's git directories: `.git`, the folder a `.git` file
    names (a worktree or submodule) and its common directory, and $GIT_DIR/$GIT_COMMON_DIR."""
    found: set[Id] = set()
    candidates = [os.environ.get("GIT_DIR"), os.environ.get("GIT_COMMON_DIR")]
    try:
        st = stat_at(".git", root_fd)
    except OSError:
        st = None
    if st is not None and S_ISDIR(st.st_mode):
        found.add((st.st_dev, st.st_ino))
    elif st is not None and S_ISREG(st.st_mode):
        try:
            named = _gitfile(open_at(".git", _FILE, root_fd))
        except OSError:
            named = None
        if named is not None:
            gitdir = os.path.join(root, named)
            candidates.append(gitdir)
            try:
                with open(os.path.join(gitdir, "commondir"), encoding="utf-8") as f:
                    candidates.append(os.path.join(gitdir, f.read(4096).strip()))
            except OSError:
                pass
    for candidate in candidates:
        if candidate:
            try:
                st = os.stat(candidate)
            except OSError:
                continue
            found.add((st.st_dev, st.st_ino))
    return found


class Root:
    """The working tree, held by a directory descriptor."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.fd: Handle = -1
        if DIR_FD:
            self.fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _CLOEXEC)
        elif not os.path.isdir(path):
            raise NotADirectoryError(errno.ENOTDIR, "not a folder", path)
        else:
            self.fd = path
        self.git_dirs = _git_dirs(path, self.fd)
        # Folders held open while reading (see hold): real path -> (descriptor, identity).
        self._held: dict[str, tuple[Handle, Id]] | None = None

    def hold(self) -> None:
        """From now until `release` (or `close`), open each folder once and keep it.

        For a run that only looks, many files in a few folders (the replay cache): each later
        walk through a folder already opened uses that same descriptor and the identity it had
        when it was opened, instead of opening it again from the root. Nothing is weaker: a
        folder is held only after it was reached exactly as `walk` always reaches one (one
        component at a time, O_NOFOLLOW, never past the root, not a git directory), and a held
        descriptor is that folder whatever happens to its path afterwards, so every look made
        through it is one a fresh walk could have made at the moment it was opened. Only
        folders are held; a final name is looked at again by every call."""
        if DIR_FD and self._held is None:
            self._held = {}

    def release(self) -> None:
        """Close the folders `hold` kept; later walks open folders afresh again."""
        held, self._held = self._held, None
        for fd, _ in (held or {}).values():
            close(fd)

    def close(self) -> None:
        self.release()
        if self.fd != -1:
            fd, self.fd = self.fd, -1
            close(fd)

    def __del__(self) -> None:
        # A run in a long-lived process (tests call main() hundreds of times) must not leak
        # the root's descriptor.
        try:  # noqa: SIM105
            self.close()
        except OSError:
            pass

    # Resolution.

    def _outside(self, shown: str) -> FatalError:
        return FatalError(
            f"{shown}: resolves outside the repository through a symlink; airules never reads "
            "or writes there, so replace the link with a file or choose another path"
        )

    def _git(self, shown: str) -> FatalError:
        return FatalError(
            f"{shown}: leads into the repository's git folder; airules never reads or writes "
            "there, so replace the link or choose another path"
        )

    def walk(self, path: str, *, follow: bool = True, create: bool = False) -> Where:
        """Resolve `path` to its real parent folder and final name, inside the root.

        `follow`: a final component that is a symlink is followed too (else it is the name).
        `create`: missing folders on the way are made. A path ending in `/.` names the folder
        itself. Raises Missing, or FatalError naming `path`.
        """
        todo = path.split("/")[::-1]
        # While the Root holds folders, every descriptor on the stack is one of them: the Root
        # closes those, this walk closes nothing.
        held = self._held
        stack: list[Handle] = []
        folders: list[str] = []
        trail: list[object] = []
        hops = 0
        linked = False

        def bump() -> None:
            nonlocal hops
            hops += 1
            if hops > MAX_HOPS:
                raise FatalError(
                    f"{path}: has too many levels of symbolic links (a loop?); replace the link "
                    "with a file or choose another path"
                )

        def follow_link(text: str) -> None:
            bump()
            trail.append(text)
            if text.startswith("/"):
                # An absolute link is walked again from the root, if it names the root at all.
                if text != self.path and not text.startswith(self.path.rstrip("/") + "/"):
                    raise self._outside(path)
                text = text[len(self.path) :]
                while stack:
                    fd = stack.pop()
                    if held is None:
                        close(fd)
                folders.clear()
            todo.extend(text.split("/")[::-1])

        try:
            while todo:
                name = todo.pop()
                if name in ("", "."):
                    continue
                if name == "..":
                    if not folders:
                        raise self._outside(path)
                    folders.pop()
                    fd = stack.pop()
                    if held is None:
                        close(fd)
                    continue
                # Any folder called .git, a nested repository's too, in any case.
                if name.casefold() == ".git":
                    raise self._git(path)
                cur = stack[-1] if stack else self.fd
                if not todo:
                    if follow:
                        try:
                            text = readlink_at(name, cur)
                        except OSError:
                            text = None  # not a link (EINVAL), or nothing there
                        if text is not None:
                            linked = True
                            follow_link(text)
                            continue
                    if held is not None:
                        return Where(cur, name, folders, trail, linked, owned=False)
                    fd = dup(cur)
                    return Where(fd, name, folders, trail, linked)
                if held is not None:
                    # A folder this Root already reached the same way, and checked then.
                    real = "/".join([*folders, name])
                    seen = held.get(real)
                    if seen is not None:
                        stack.append(seen[0])
                        folders.append(name)
                        trail.append(seen[1])
                        continue
                try:
                    fd = open_folder(name, cur)
                except FileNotFoundError:
                    if not create:
                        raise Missing(linked) from None
                    try:  # noqa: SIM105
                        mkdir_at(name, cur)
                    except FileExistsError:
                        pass
                    bump()  # whatever is there now is looked at again, a bounded number of times
                    todo.append(name)
                    continue
                except OSError as e:
                    if e.errno not in _NOT_A_FOLDER:
                        raise FatalError(
                            f"{path}: cannot be read ({e.strerror}); fix the path or its links, "
                            "or choose another path"
                        ) from None
                    try:
                        text = readlink_at(name, cur)
                    except OSError:
                        text = None
                    if text is None:
                        try:
                            st = stat_at(name, cur)
                        except OSError:
                            st = None
                        if st is not None and not S_ISDIR(st.st_mode) and not S_ISLNK(st.st_mode):
                            raise NotAFolder(
                                f"{path}: a folder on its path is a file; move that file or "
                                "choose another path"
                            ) from None
                        # It changed between the two looks: look again, a bounded number of times.
                        bump()
                        todo.append(name)
                        continue
                    follow_link(text)
                    continue
                st = stat_folder(fd)
                ident = (st.st_dev, st.st_ino)
                if ident in self.git_dirs:
                    close(fd)
                    raise self._git(path)
                if held is not None:
                    held["/".join([*folders, name])] = (fd, ident)
                stack.append(fd)
                folders.append(name)
                trail.append(ident)
            if held is not None:
                return Where(stack[-1] if stack else self.fd, None, folders, trail, linked, False)
            fd = dup(stack[-1] if stack else self.fd)
            return Where(fd, None, folders, trail, linked)
        finally:
            if held is None:
                for fd in stack:
                    close(fd)

    # Reading.

    def read(self, path: str, limit: int = MAX_FILE_BYTES) -> tuple[bytes | None, Where | None]:
        """The bytes of the regular file at `path` (links inside the root followed), or None
        when nothing is there; never more than `limit` bytes read, whatever the file claims."""
        try:
            where = self.walk(path)
        except Missing as e:
            if e.linked:
                raise _broken(path) from None
            return None, None
        try:
            if where.name is None:
                raise directory_error(path)
            try:
                fd = open_at(where.name, _FILE, where.fd)
            except FileNotFoundError:
                if where.linked:
                    raise _broken(path) from None
                # Nothing there yet: its identity is its real folder's and its name, so two
                # paths that would create one file are still told apart.
                st = stat_folder(where.fd)
                where.ident = (st.st_dev, st.st_ino, where.name)
                return None, where
            except OSError as e:
                if e.errno in (errno.ELOOP, errno.ENXIO, errno.EOPNOTSUPP):
                    # ELOOP: a link appeared since the walk looked; ENXIO: a socket.
                    raise FatalError(
                        f"{path}: is not a regular file (or changed while airules read it); "
                        "move it or choose another path"
                    ) from None
                raise FatalError(
                    f"{path}: cannot be read ({e.strerror}); fix the path or its permissions, "
                    "or choose another path"
                ) from None
            try:
                st = os.fstat(fd)
                if S_ISDIR(st.st_mode):
                    raise directory_error(path)
                if not S_ISREG(st.st_mode):
                    raise FatalError(
                        f"{path}: is not a regular file; move it or choose another path"
                    )
                where.ident = (st.st_dev, st.st_ino)
                if st.st_size > limit:
                    raise _too_big(path, st.st_size, limit)
                data = read_bounded(fd, limit)
                if data is None:
                    raise _too_big(path, None, limit)
                return data, where
            except OSError as e:
                raise FatalError(
                    f"{path}: cannot be read ({e.strerror}); check its permissions"
                ) from None
            finally:
                os.close(fd)
        finally:
            where.close()

    def identity(self, path: str) -> Id | None:
        """What `read` takes for the identity of `path` now: the (st_dev, st_ino) of the file
        it leads to, or for nothing there its real folder's and its name; None if neither."""
        try:
            where = self.walk(path)
        except (Missing, FatalError):
            return None
        try:
            if where.name is None:
                return None
            try:
                st = stat_at(where.name, where.fd)
            except FileNotFoundError:
                st = stat_folder(where.fd)
                return (st.st_dev, st.st_ino, where.name)
            return (st.st_dev, st.st_ino)
        except OSError:
            return None
        finally:
            where.close()

    def readlink(self, path: str) -> tuple[str | None, list[object]]:
        """The link text when `path` itself is a symlink, else None; and its folder's trail.
        Nothing is a link below a file (a `.clinerules` file where `.clinerules/` will go)."""
        try:
            where = self.walk(path, follow=False)
        except (Missing, NotAFolder):
            return None, []
        try:
            if where.name is None:
                return None, where.trail
            try:
                return readlink_at(where.name, where.fd), where.trail
            except (OSError, ValueError):
                return None, where.trail
        finally:
            where.close()

    def list_dir(self, folder: str) -> tuple[list[str], list[object]]:
        """The files below `folder` (named `folder/...`, sorted, bounded), and its trail;
        ([], []) when there is no such folder. Links to folders are not entered."""
        try:
            where = self.walk(f"{folder}/.")
        except Missing:
            return [], []
        try:
            return walk_files(where.fd, folder), where.trail
        finally:
            where.close()


def stale_temps_in(fd: Handle) -> bool:
    """Whether the folder open at `fd` holds a dead writer's temporary file (any target's)."""
    try:
        names = [e.name for e in os.scandir(fd) if e.name.endswith(TMP_SUFFIX)]
    except OSError:
        return False
    return any(is_stale(name, None) for name in names)


def is_stale(entry: str, names: set[str] | None) -> bool:
    if not (entry.startswith(".") and entry.endswith(TMP_SUFFIX)):
        return False
    # `.NAME.PID.RANDOM.airules-tmp`: exactly a pid and a random part, so `.a.` never claims
    # `.a.1.`'s files.
    rest = entry[1 : -len(TMP_SUFFIX)]
    name, _, tail = rest.rpartition(".")
    name, _, pid = name.rpartition(".")
    random_part = all(c.isascii() and (c.isalnum() or c == "_") for c in tail)
    if not (pid.isdigit() and tail and random_part):
        return False
    if names is not None and name not in names:
        return False
    return not _pid_alive(int(pid))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def directory_error(path: str) -> FatalError:
    return FatalError(f"{path}: is a directory, not a file; move it or choose another path")


def _broken(path: str) -> FatalError:
    return FatalError(f"{path}: is a broken symlink; remove it or point it at a file")


def _too_big(path: str, size: int | None, limit: int) -> FatalError:
    what = f"is {size} bytes" if size is not None else f"holds more than {limit} bytes"
    return FatalError(
        f"{path}: {what}, over the {limit} airules reads; no editor reads rules that long, "
        "so shorten it"
    )


def read_bounded(fd: int, limit: int) -> bytes | None:
    """At most `limit` bytes from `fd`, or None when there are more (files under /proc say
    their size is 0, so `st_size` is never trusted)."""
    chunks: list[bytes] = []
    total = 0
    while total <= limit:
        # Whole 64 KiB reads (some /proc files refuse reads of odd sizes): at most one chunk
        # past the limit is ever held.
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
    return None


def walk_files(fd: Handle, folder: str) -> list[str]:
    """The files below the folder open at `fd`, named as `folder/...`, sorted and bounded.
    Subfolders are opened relative to their parent with O_NOFOLLOW; links to folders are not
    entered (nor listed), links to files are listed."""
    out: list[str] = []

    def visit(dfd: Handle, prefix: str) -> bool:
        try:
            entries = sorted(os.scandir(dfd), key=lambda e: e.name)
        except OSError:
            return True
        subdirs = []
        for entry in entries:
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                if not entry.is_symlink():
                    subdirs.append(entry.name)
                continue
            if entry.name.endswith(TMP_SUFFIX):
                continue
            out.append(f"{prefix}/{entry.name}")
            if len(out) >= MAX_LISTED_FILES:
                return False
        for name in subdirs:
            if name.casefold() == ".git":
                continue
            try:
                sub = open_folder(name, dfd)
            except OSError:
                continue
            try:
                if not visit(sub, f"{prefix}/{name}"):
                    return False
            finally:
                close(sub)
        return True

    visit(fd, folder)
    return out
