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

import marshal
import os
import sys
from stat import S_ISLNK, S_ISREG

from airules import __version__
from airules.confined import (
    Missing,
    Root,
    git_dir,
    read_bounded,
    stale_temps_in,
    stat_at,
    stat_folder,
)
from airules.errors import FatalError

# `typing` costs more to import than everything else this module does.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from airules.tree import Tree

    # One observation: (kind, name, value). Kinds: "f" a file (the links and folders on its
    # way, and its bytes), "l" a path's own link text, "n" the files with a given name
    # (nested rules), "d" the files below a folder, "p" whether a sparse checkout leaves a
    # path out, "s" a file trusted by its stat (see RACY_NS), "t" a listing trusted by its
    # folder's stat, "g" a folder's plain files trusted by their stats (see _grouped).
    Input = tuple[str, str, Any]

FORMAT = 3
MAX_ENTRIES = 8
CONFIG_NAMES = (".airules.yml", ".airules.yaml")
FILE_NAME = "airules-cache"
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_READ_FLAGS = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | _CLOEXEC
_READ_FLAGS |= getattr(os, "O_BINARY", 0)
# Set AIRULES_CACHE=0 to always do a full run (for debugging, or benchmarking the full run).
DISABLE_VAR = "AIRULES_CACHE"


def digest(data: bytes) -> bytes:
    # Imported here: a replay that trusts every file by its stat hashes nothing, and loading
    # the C module costs about as much as the rest of the lookup.
    try:
        from _blake2 import blake2b
    except ImportError:  # pragma: no cover - CPython always has it, other interpreters may not
        from hashlib import blake2b
    return blake2b(data, digest_size=16).digest()


# Environment that changes which repository and work tree git (and so airules) sees.
_GIT_VARS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR")
# A cache holds a few small entries; anything far larger is not ours to trust.
MAX_CACHE_BYTES = 4 * 1024 * 1024


def find_root(start: str) -> str | None:
    """The root: $GIT_WORK_TREE when set (as git does), else the nearest folder at or above
    `start` holding `.git` or an airules config."""
    work_tree = os.environ.get("GIT_WORK_TREE")
    if work_tree:
        return os.path.abspath(work_tree)
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
    gitdir = git_dir(root)
    return None if gitdir is None else os.path.join(gitdir, FILE_NAME)


def _tool_stamp() -> list[tuple[str, int, int]]:
    # Editing airules itself (an editable install, an upgrade) must invalidate every entry.
    here = os.path.dirname(os.path.abspath(__file__))
    stamp = []
    for entry in os.scandir(here):
        if entry.name.endswith(".py"):
            st = entry.stat()
            stamp.append((entry.name, st.st_size, st.st_mtime_ns))
    return sorted(stamp)


def _key(argv: "Sequence[str]", root: str, cwd: str) -> bytes:
    color = (sys.stdout.isatty(), bool(os.environ.get("NO_COLOR")))
    git = tuple(os.environ.get(name) for name in _GIT_VARS)
    parts = (FORMAT, __version__, _tool_stamp(), tuple(argv), root, cwd, color, git)
    # The text itself, not a digest of it: a few kilobytes per entry, and no hash module to
    # load on the hot path.
    return repr(parts).encode("utf-8", "surrogateescape")


def file_observation(trail: "Any", data: bytes | None) -> "Any":
    """What a read saw: None for nothing there, else the links and folders it went through
    (their identities) and its bytes' digest."""
    return None if data is None else (trail, digest(data))


def observe(fs: Root, kind: str, name: str, memo: "dict[str, Any] | None" = None) -> "Any":
    """Look again, through the same confined code a full run uses, and say what was seen.
    A refusal is an observation too: a full run that was refused the same way stored it.
    `memo` keeps what one replay learns once (how a sparse checkout limits the tree)."""
    memo = {} if memo is None else memo
    try:
        if kind == "f":
            data, where = fs.read(name)
            return file_observation(None if where is None else tuple(where.trail), data)
        if kind == "l":
            text, trail = fs.readlink(name)
            return (text, tuple(trail))
        if kind == "d":
            found, trail = fs.list_dir(name)
            return (tuple(found), tuple(trail))
        if kind == "p":
            # Imported here: only a sparse checkout or nested rules need git's listing.
            from airules.listing import not_checked_out, sparse_state

            if "sparse" not in memo:
                memo["sparse"] = sparse_state(fs.path)
            return not_checked_out(memo["sparse"], name)
        if kind == "n":
            from airules.listing import git_files_named

            try:
                code, found, _ = git_files_named(fs.path, name)
            except OSError:
                return None
            return tuple(found) if code == 0 else None
    except FatalError as e:
        return ("!", str(e))
    except OSError:
        return object()  # never equal: a full run decides
    return object()  # an unknown kind never matches


def _load(path: str) -> dict[bytes, bytes]:
    """The cache file's entries, each still marshalled: a replay decodes only its own."""
    # O_NOFOLLOW | O_NONBLOCK and fstat: a cache that is a link, a FIFO or huge is not ours,
    # and is ignored rather than followed, waited on or read whole.
    try:
        fd = os.open(path, _READ_FLAGS)
    except OSError:
        return {}
    try:
        if not S_ISREG(os.fstat(fd).st_mode):
            return {}
        data = read_bounded(fd, MAX_CACHE_BYTES)
        entries = marshal.loads(data) if data else None
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    finally:
        os.close(fd)
    if not isinstance(entries, dict):
        return {}
    # An older format's entries, or anything else that is not ours, are dropped.
    return {k: v for k, v in entries.items() if isinstance(k, bytes) and isinstance(v, bytes)}


def _decode(blob: object) -> "Any":
    if not isinstance(blob, bytes):
        return None
    try:
        return marshal.loads(blob)
    except (EOFError, ValueError, TypeError):
        return None


def stored(path: str) -> "dict[bytes, Any]":
    """Every entry of the cache file at `path`, decoded (for tests and for looking)."""
    return {key: _decode(blob) for key, blob in _load(path).items()}


def _memo_key(root: str, key: object) -> tuple[str, bytes] | None:
    if os.environ.get(DISABLE_VAR) == "0":
        return None
    path = cache_file(root)
    if path is None:
        return None
    parts = ("memo", FORMAT, __version__, _tool_stamp(), key)
    return path, digest(repr(parts).encode("utf-8", "surrogateescape"))


def recall(root: str, key: object) -> "Any":
    """What `remember` stored for `key` (say, a parsed config for its exact text), or None."""
    found = _memo_key(root, key)
    if found is None:
        return None
    entry = _decode(_load(found[0]).get(found[1]))
    return entry[1] if isinstance(entry, tuple) and len(entry) == 2 else None


def remember(root: str, key: object, value: "Any") -> None:
    found = _memo_key(root, key)
    if found is not None:
        _save(found[0], found[1], ("memo", value))


def replay(argv: "Sequence[str]") -> bool:
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
    entry = _decode(_load(path).get(key))
    if entry is None:
        return False
    hashed = False
    try:
        fs = Root(root)
    except OSError:
        return False
    # Many inputs share a few folders: open each once for this replay (confined.Root.hold).
    fs.hold()
    try:
        inputs, out, err = entry
        memo: dict[str, Any] = {}
        for kind, name, value in inputs:
            if kind == "g":
                seen = _group_matches(fs, name, value)
                if seen is None:
                    return False
                hashed = hashed or seen
                continue
            if kind in _UNSIGNED:
                signature, value = value
                kind = _UNSIGNED[kind]
                if _SIGNING[kind][3](fs, name, signature):
                    continue
                hashed = True  # looked at again: sign it again
            if observe(fs, kind, name, memo) != value:
                return False
            # A regular file read and hashed: maybe old enough now to sign.
            hashed = hashed or (kind == "f" and _is_read(value))
        # A full --fix also clears a killed writer's temporary files; leave that to one.
        if "--fix" in argv and _stale_temps(fs, inputs):
            return False
        sys.stdout.write(out)
        sys.stdout.flush()
        if err:
            sys.stderr.write(err)
        if hashed:
            # Files that were too new to trust by their stat when the run was stored may be
            # old enough now: the next replay then skips reading them. Signing looks before
            # and after each read, so it walks afresh, as `store` does.
            fs.release()
            trusted, changed = _trusted(fs, _expanded(inputs))
            if changed:
                _save(path, key, (_shared(_grouped(trusted)), out, err))
    except (TypeError, ValueError):
        return False
    finally:
        fs.close()
    return True


def _stale_temps(fs: Root, inputs: "Sequence[Input]") -> bool:
    folders = {
        name if kind == "g" else name.rpartition("/")[0]
        for kind, name, _ in inputs
        if kind in "flsg"
    }
    for folder in folders:
        try:
            where = fs.walk(f"{folder}/.")
        except (Missing, FatalError):
            continue
        try:
            if stale_temps_in(where.fd):
                return True
        finally:
            where.close()
    return False


# A file untouched for this long before its entry was stored is trusted on replay by its stat
# alone (size, times, inode), as git trusts its index; a newer one is read and hashed, since a
# write within the same clock tick as the store could leave every stat field as it was. The
# stat is taken through the same confined walk as a read, and the walk's trail (every link
# text and folder identity on the way) is part of what must match.
RACY_NS = 2_000_000_000


def _is_read(value: "Any") -> bool:
    """Whether an "f" observation is a regular file read whole: (trail, digest)."""
    return isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], bytes)


def _signature(st: os.stat_result) -> tuple[int, int, int, int, int]:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


def _stat_of(fs: Root, path: str, follow: bool = False) -> "tuple[Any, os.stat_result] | None":
    """The trail to `path` and its stat, if it is a regular file reached inside the root."""
    try:
        # Most paths are no link: one lstat then answers what a readlink and a stat would.
        # A link is walked again, followed, exactly as a read walks it.
        where = fs.walk(path, follow=follow)
    except (Missing, FatalError):
        return None
    try:
        if where.name is None:
            return None
        st = stat_at(where.name, where.fd)
    except OSError:
        return None
    finally:
        where.close()
    if S_ISLNK(st.st_mode) and not follow:
        return _stat_of(fs, path, follow=True)
    return (tuple(where.trail), st) if S_ISREG(st.st_mode) else None


def _signature_of(fs: Root, path: str, value: "Any", now_ns: int) -> "Any":
    """The (stat signature, trail) of `path` if it still reads as `value` and is old enough
    to trust; else None (the entry keeps hashing)."""
    before = _stat_of(fs, path)
    if before is None:
        return None
    trail, st = before
    if max(st.st_mtime_ns, st.st_ctime_ns) > now_ns - RACY_NS:
        return None
    if observe(fs, "f", path) != value or value[0] != trail:
        return None
    after = _stat_of(fs, path)
    # Unchanged while it was read.
    if after is None or after[0] != trail or _signature(after[1]) != _signature(st):
        return None
    return (_signature(st), trail)


def _is_listing(value: "Any") -> bool:
    """Whether a "d" observation is a folder listed: (names, trail)."""
    return isinstance(value, tuple) and len(value) == 2 and value[0] != "!" and bool(value[1])


def _folder_stat(fs: Root, folder: str) -> "tuple[Any, os.stat_result] | None":
    """The trail to `folder` and its stat, walked as a listing walks it."""
    try:
        where = fs.walk(f"{folder}/.")
    except (Missing, FatalError):
        return None
    try:
        return tuple(where.trail), stat_folder(where.fd)
    except OSError:
        return None
    finally:
        where.close()


def _only_files(fs: Root, folder: str) -> bool:
    """Whether `folder` holds regular files only: no subfolder, no link, nothing else."""
    try:
        where = fs.walk(f"{folder}/.")
    except (Missing, FatalError):
        return False
    try:
        with os.scandir(where.fd) as entries:
            return all(entry.is_file(follow_symlinks=False) for entry in entries)
    except OSError:
        return False
    finally:
        where.close()


# A listing ("d") is trusted by its folder's stat, as a file is by its own, when the folder
# holds regular files only: a name can then only come, go or change kind by a create, unlink
# or rename in that very folder, each of which moves its mtime and ctime. A folder holding a
# subfolder or a link is listed again on every replay: what is below or behind those can
# change without touching it.
def _listing_signature_of(fs: Root, folder: str, value: "Any", now_ns: int) -> "Any":
    """The folder's stat signature if its listing is still `value`, it holds regular files
    only and it is old enough to trust; else None (the entry keeps listing)."""
    before = _folder_stat(fs, folder)
    if before is None or before[0] != value[1]:
        return None
    st = before[1]
    if max(st.st_mtime_ns, st.st_ctime_ns) > now_ns - RACY_NS:
        return None
    if not _only_files(fs, folder) or observe(fs, "d", folder) != value:
        return None
    after = _folder_stat(fs, folder)
    if after is None or after[0] != value[1] or _signature(after[1]) != _signature(st):
        return None
    return (_signature(st), value[1])


def _listing_matches(fs: Root, folder: str, signature: "Any") -> bool:
    seen = _folder_stat(fs, folder)
    return seen is not None and (_signature(seen[1]), seen[0]) == tuple(signature)


def _stat_matches(fs: Root, path: str, signature: "Any") -> bool:
    seen = _stat_of(fs, path)
    return seen is not None and (_signature(seen[1]), seen[0]) == tuple(signature)


# A file ("f") or a listing ("d") old enough to trust is stored signed ("s", "t"): the kind it
# becomes, whether an observation can be signed, how it is signed and how the signature is
# checked.
_SIGNING = {
    "f": ("s", _is_read, _signature_of, _stat_matches),
    "d": ("t", _is_listing, _listing_signature_of, _listing_matches),
}
_UNSIGNED = {"s": "f", "t": "d"}


def _trusted(fs: Root, inputs: "Sequence[Input]") -> "tuple[list[Input], bool]":
    """`inputs` with each old-enough regular file's observation turned into a stat-checked one
    ("s"), and each old-enough listing of a folder of plain files into one checked by the
    folder's stat ("t"); and whether any changed."""
    import time

    now_ns = time.time_ns()
    out: list[Input] = []
    changed = False
    for kind, name, value in inputs:
        old = None
        if kind in _UNSIGNED:
            if _SIGNING[_UNSIGNED[kind]][3](fs, name, value[0]):
                out.append((kind, name, value))
                continue
            # Signed before: sign again, in case the stat changed and the bytes did not.
            old, value = value
            kind = _UNSIGNED[kind]
        if kind in _SIGNING:
            signed, signable, sign, _ = _SIGNING[kind]
            signature = sign(fs, name, value, now_ns) if signable(value) else None
            if signature is not None:
                out.append((signed, name, (signature, value)))
                changed = changed or signature != old
                continue
        out.append((kind, name, value))
        changed = changed or old is not None
    return out, changed


# Most inputs are plain regular files trusted by their stat ("s": signature, trail, digest),
# and a target is also observed as a link that is not one ("l": no text, the folders on the
# way). One "g" entry per folder stands for all of them: (folder's trail, ((name, signature,
# digest, whether an "l" was observed), ...)). The replay walks to the folder once and takes
# one lstat per name; a regular file with the same signature proves what both observations
# did, since a regular file is no link and its folder's trail is its own. Anything else is
# looked at exactly as before (see _group_matches).


def _plain(name: str, value: "Any", link: "Any") -> bool:
    """Whether the "s" observation `value` of `name` (and `link`, its "l" observation if it
    has one) is a plain regular file that a group can stand for."""
    (signature, trail), read = value
    base = name.rpartition("/")[2]
    if link is not None and (link[0] is not None or tuple(link[1]) != trail):
        return False
    # No link text anywhere on the way: the file itself was reached without following one.
    return (
        read[0] == trail
        and not any(isinstance(step, str) for step in trail)
        and base not in ("", ".", "..")
        and base.casefold() != ".git"
        and isinstance(signature, tuple)
    )


def _grouped(inputs: "Sequence[Input]") -> "list[Input]":
    """`inputs` with each folder's plain regular files folded into one "g" entry."""
    links = {name: value for kind, name, value in inputs if kind == "l"}
    groups: dict[str, tuple[Any, list[Any]]] = {}
    folded: set[str] = set()
    for kind, name, value in inputs:
        if kind != "s" or not _plain(name, value, links.get(name)):
            continue
        folder, _, base = name.rpartition("/")
        (signature, trail), read = value
        group = groups.setdefault(folder, (trail, []))
        if group[0] == trail:
            group[1].append((base, signature, read[1], name in links))
            folded.add(name)
    out: list[Input] = [
        ("g", folder, (trail, tuple(files))) for folder, (trail, files) in groups.items() if files
    ]
    out += [item for item in inputs if item[0] not in "ls" or item[1] not in folded]
    return out


def _expanded(inputs: "Sequence[Input]") -> "list[Input]":
    """`inputs` with each "g" entry turned back into the observations it stands for."""
    out: list[Input] = []
    for kind, name, value in inputs:
        if kind != "g":
            out.append((kind, name, value))
            continue
        trail, files = value
        for base, signature, data_digest, linked in files:
            path = f"{name}/{base}" if name else base
            if linked:
                out.append(("l", path, (None, trail)))
            out.append(("s", path, ((signature, trail), (trail, data_digest))))
    return out


def _group_matches(fs: Root, folder: str, value: "Any") -> bool | None:
    """Whether every file of a "g" entry is still what the run saw: None if not; else
    whether some file had to be read and hashed (its stat changed, its bytes did not)."""
    trail, files = value
    try:
        where = fs.walk(f"{folder}/." if folder else ".")
    except (Missing, FatalError):
        return None
    hashed = False
    try:
        if tuple(where.trail) != trail:
            return None
        at = where.fd
        for base, signature, data_digest, linked in files:
            # The hot loop of a replay: one lstat per file, nothing else when it matches.
            try:
                st = stat_at(base, at)
            except OSError:
                return None
            if (
                st.st_size,
                st.st_mtime_ns,
                st.st_ctime_ns,
                st.st_ino,
                st.st_dev,
            ) == signature and S_ISREG(st.st_mode):
                continue
            # Touched, or replaced: look at it as the two observations it stands for.
            path = f"{folder}/{base}" if folder else base
            if linked and observe(fs, "l", path) != (None, trail):
                return None
            if observe(fs, "f", path) != (trail, data_digest):
                return None
            hashed = True
    finally:
        where.close()
    return hashed


def _shared(inputs: "Sequence[Input]") -> "tuple[Input, ...]":
    """`inputs` with equal tuples made one object. Files in one folder carry the same trail,
    and a signed file its trail twice: marshal writes an object it has seen once as a
    reference, so the entry is smaller and loads several times faster on every replay."""
    seen: dict[Any, Any] = {}

    def share(value: "Any") -> "Any":
        if not isinstance(value, tuple):
            return value
        value = tuple([share(item) for item in value])
        try:
            return seen.setdefault(value, value)
        except TypeError:  # holds something unhashable: kept as it is
            return value

    return tuple([share(item) for item in inputs])


def store(argv: "Sequence[str]", root: str, inputs: "Sequence[Input]", out: str, err: str) -> None:
    """Remember a clean run. Best effort: a cache that cannot be written is no cache."""
    if os.environ.get(DISABLE_VAR) == "0":
        return
    path = cache_file(root)
    if path is None:
        return
    try:
        key = _key(argv, root, os.getcwd())
        fs = Root(root)
    except OSError:
        return
    try:
        trusted = _trusted(fs, inputs)[0]
    finally:
        fs.close()
    _save(path, key, (_shared(_grouped(trusted)), out, err))


def _save(path: str, key: bytes, value: "Any") -> None:
    tmp = f"{path}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    fd = -1
    try:
        entries = _load(path)
        entries.pop(key, None)
        entries[key] = marshal.dumps(value)
        while len(entries) > MAX_ENTRIES:
            del entries[next(iter(entries))]
        data = marshal.dumps(entries)
        # A new file of our own, never a link or a FIFO someone planted under the name.
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC
        flags |= getattr(os, "O_BINARY", 0)
        fd = os.open(tmp, flags, 0o600)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.close(fd)
        fd = -1
        os.replace(tmp, path)
    except (OSError, ValueError):
        if fd >= 0:
            os.close(fd)
        try:  # noqa: SIM105 - contextlib costs an import
            os.unlink(tmp)
        except OSError:
            pass


class Recorder:
    """A tree that notes what each look saw, so that a clean run can be stored.

    Reads that fail are noted too (the warnings' reads catch their errors), so a replay can
    never pass where the full run would have seen something different."""

    @property
    def inputs(self) -> "list[Input]":
        return [(kind, name, value) for (kind, name), value in self.observed.items()]

    def __init__(self, tree: "Tree", root: str) -> None:
        self.tree = tree
        self.root = root
        # Keyed by what was observed, so reading a file twice costs the replay one look.
        self.observed: dict[tuple[str, str], Any] = {}
        self._trails: dict[tuple[str, str], Any] = getattr(tree, "trails", {})

    def read(self, path: str) -> bytes | None:
        try:
            data = self.tree.read(path)
        except FatalError as e:
            self.observed["f", path] = ("!", str(e))
            raise
        self.observed["f", path] = file_observation(self._trails.get(("f", path)), data)
        return data

    def write(self, path: str, data: bytes) -> None:
        self.tree.write(path, data)

    def remove(self, path: str) -> None:
        self.tree.remove(path)  # type: ignore[attr-defined]

    def readlink(self, path: str) -> str | None:
        try:
            link = self.tree.readlink(path)
        except FatalError as e:
            self.observed["l", path] = ("!", str(e))
            raise
        self.observed["l", path] = (link, self._trails.get(("l", path), ()))
        return link

    def symlink(self, path: str, target: str) -> bool:
        return self.tree.symlink(path, target)

    def link_text(self, path: str, source: str) -> str:
        from airules.engine import link_text

        return link_text(self.tree, path, source)

    def not_checked_out(self, path: str) -> bool:
        excluded = getattr(self.tree, "not_checked_out", None)
        found = False if excluded is None else bool(excluded(path))
        self.observed["p", path] = found
        return found

    def find_files(self, name: str) -> list[str]:
        found = self.tree.find_files(name)
        self.observed["n", name] = tuple(found)
        return found

    def list_dir(self, folder: str) -> list[str]:
        try:
            found = self.tree.list_dir(folder)
        except FatalError as e:
            self.observed["d", folder] = ("!", str(e))
            raise
        self.observed["d", folder] = (tuple(found), self._trails.get(("d", folder), ()))
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
