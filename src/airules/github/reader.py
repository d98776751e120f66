"""Many repositories per GraphQL query: for each, the base head and what airules needs of its
tree, the sync branch, and the pull requests from it, as a `Snapshot`; and `RemoteTree`, the
engine's Tree over a snapshot.

A query cannot know a repository's config before reading it, so the first query asks for the
paths that configs of this run have needed so far (at the start: every editor's default path).
Whatever that misses (a custom path, a nested source list, the bytes of a file whose blob id
is not the expected one) is asked for in one more query for the whole batch, never per file.
An owned file is compared by its git blob id, so a file in sync is never downloaded."""

from __future__ import annotations

import base64
import binascii
import posixpath
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from airules.errors import FatalError
from airules.github.client import ApiError, GitHub, blob_sha, graphql_string
from airules.tree import MAX_FILE_BYTES, NoSymlinks

FILE_MODES = ("100644", "100755")
SYMLINK_MODE = "120000"
TREE_MODE = "40000"
# Pull requests from the sync branch read per repository: the newest decide.
PULLS = 5
# Paths asked for speculatively; more would make every query heavier for every repository.
MAX_SPECULATED = 48
# A tree listed folder by folder stops here: no repository's rules need more.
MAX_ENTRIES = 200_000
# Objects per fallback query (folders of a truncated tree, blobs).
OBJECTS_PER_QUERY = 100


class Unread(FatalError):
    """The tree cannot answer yet: what it needs is recorded in its `Want`, the batch fetches
    it in one query and plans again. A FatalError, so the engine's per-target loop goes on and
    every file a plan needs is asked for in the same round."""


@dataclass(frozen=True)
class Entry:
    # The mode as git writes it: 100644, 100755, 120000, 160000 or 40000.
    mode: str
    type: str
    oid: str
    size: int | None = None


@dataclass(frozen=True)
class Pull:
    number: int
    url: str
    # OPEN, CLOSED or MERGED.
    state: str
    title: str
    body: str
    base: str
    head_oid: str
    labels: frozenset[str]


@dataclass
class Want:
    """What a plan asked a tree for and the snapshot does not hold yet."""

    dirs: set[str] = field(default_factory=set)
    blobs: dict[str, str] = field(default_factory=dict)  # oid -> path, for messages
    sync: set[str] = field(default_factory=set)
    listing: bool = False

    def __bool__(self) -> bool:
        return bool(self.dirs or self.blobs or self.sync or self.listing)


@dataclass
class Snapshot:
    """One repository as read: everything a run decides from."""

    name: str
    # Why the repository is left alone (archived, empty, ...), or "" to go ahead.
    skip: str = ""
    fork: bool = False
    base: str = ""
    head: str = ""
    root: str = ""
    # Folder path ("" is the root) -> its entries; a path in `absent` is no folder.
    dirs: dict[str, dict[str, Entry]] = field(default_factory=dict)
    absent: set[str] = field(default_factory=set)
    blobs: dict[str, bytes] = field(default_factory=dict)
    listed: bool = False
    sync_tip: str | None = None
    # Path -> blob oid on the sync branch (None: no such file there).
    sync_files: dict[str, str | None] = field(default_factory=dict)
    # How the sync branch stands to the base: AHEAD, BEHIND, DIVERGED or IDENTICAL.
    compare: str | None = None
    pulls: list[Pull] = field(default_factory=list)
    # Paths this repository's plan needed ("text": read; "held": compared by blob id), to
    # speculate on for the next batches.
    used: dict[str, str] = field(default_factory=dict)

    @property
    def owner(self) -> str:
        return self.name.split("/")[0]


def _mode(value: Any) -> str:
    # GraphQL gives the mode as an integer (33188 for 0o100644).
    return format(value, "o") if isinstance(value, int) else str(value).lstrip("0")


def _entries(items: Iterable[dict[str, Any]]) -> dict[str, Entry]:
    out = {}
    for item in items:
        out[item["name"]] = Entry(_mode(item["mode"]), item["type"], item["oid"], item.get("size"))
    return out


def _folders(path: str) -> list[str]:
    """Every folder on the way to `path`, root excluded, outermost first."""
    parts = path.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


ENTRY = "name type mode oid size"
TEXT = "oid byteSize isBinary isTruncated text"


def _file_fields(paths: Sequence[tuple[str, str]]) -> str:
    """`file(path:)` selections on a commit: ("dir", p) lists a folder, ("text", p) reads a
    file, ("oid", p) gives only its id. ("held", p), a file compared by blob id, needs only
    its folder listed (the folders of every path are listed)."""
    out = []
    for i, (kind, path) in enumerate(paths):
        p = graphql_string(path)
        if kind == "dir":
            tree = f"... on Tree {{ entries {{ {ENTRY} }} }}"
            out.append(f"f{i}: file(path: {p}) {{ type object {{ {tree} }} }}")
        elif kind == "text":
            out.append(f"f{i}: file(path: {p}) {{ {ENTRY} object {{ ... on Blob {{ {TEXT} }} }} }}")
        else:
            out.append(f"f{i}: file(path: {p}) {{ mode oid type }}")
    return " ".join(out)


@dataclass
class Options:
    base: str | None
    branch: str
    config: str | None


class Reader:
    """Reads repositories in batches for one run, learning which paths configs need."""

    def __init__(self, api: GitHub, options: Options, speculate: Iterable[tuple[str, str]]) -> None:
        self.api = api
        self.options = options
        self.speculate: dict[tuple[str, str], None] = dict.fromkeys(speculate)
        self.seen: Counter[tuple[str, str]] = Counter()

    # -- the first query -------------------------------------------------------------------

    def _paths(self) -> list[tuple[str, str]]:
        specs: dict[tuple[str, str], None] = {}
        for kind, path in list(self.speculate)[:MAX_SPECULATED]:
            for folder in _folders(path):
                specs[("dir", folder)] = None
            specs[(kind, path)] = None
        return list(specs)

    def learn(self, snaps: Iterable[Snapshot]) -> None:
        """Speculate, from now on, on what these repositories' configs needed."""
        seen = self.seen
        for snap in snaps:
            for path, how in snap.used.items():
                seen[(how, path)] += 1
        if seen:
            self.speculate = dict.fromkeys(spec for spec, _ in seen.most_common(MAX_SPECULATED))

    def _repo_query(self, name: str, paths: Sequence[tuple[str, str]]) -> str:
        owner, repo = name.split("/", 1)
        branch = graphql_string(self.options.branch)
        files = _file_fields([(k, p) for k, p in paths if k != "held"])
        sync_files = _file_fields([("oid", p) for k, p in paths if k != "dir"])
        commit = f"... on Commit {{ oid tree {{ oid entries {{ {ENTRY} }} }} {files} }}"
        # How the sync branch stands to the base: merged (BEHIND), or a fast-forward away.
        fields = f"name target {{ {commit} }} cmp: compare(headRef: {branch}) {{ status }}"
        if self.options.base is None:
            base = f"base: defaultBranchRef {{ {fields} }}"
        else:
            qualified = graphql_string(f"refs/heads/{self.options.base}")
            base = f"base: ref(qualifiedName: {qualified}) {{ {fields} }}"
        sync = graphql_string(f"refs/heads/{self.options.branch}")
        return (
            f"repository(owner: {graphql_string(owner)}, name: {graphql_string(repo)}) {{ "
            "nameWithOwner isArchived isDisabled isEmpty isFork isLocked "
            f"{base} "
            f"sync: ref(qualifiedName: {sync}) {{ target {{ ... on Commit {{ oid {sync_files} "
            "} } } "
            f"pulls: pullRequests(headRefName: {branch}, first: {PULLS}, "
            "orderBy: {field: CREATED_AT, direction: DESC}) { nodes { number url state title "
            "body baseRefName headRefOid isCrossRepository labels(first: 50) "
            "{ nodes { name } } } } }"
        )

    def read(self, names: Sequence[str]) -> dict[str, Snapshot]:
        paths = self._paths()
        fields = " ".join(f"r{i}: {self._repo_query(n, paths)}" for i, n in enumerate(names))
        query = f"query {{ {fields} rateLimit {{ cost remaining resetAt limit used nodeCount }} }}"
        what = names[0] if len(names) == 1 else f"{len(names)} repositories"
        data = self.api.graphql(query, f"reading {what}")
        return {n: self._snapshot(n, data.get(f"r{i}"), paths) for i, n in enumerate(names)}

    def _snapshot(self, name: str, repo: Any, paths: Sequence[tuple[str, str]]) -> Snapshot:
        snap = Snapshot(name)
        if repo is None:
            snap.skip = "not found, or the token cannot see it"
            return snap
        snap.name = repo["nameWithOwner"]
        snap.fork = bool(repo["isFork"])
        if repo["isArchived"]:
            snap.skip = "archived (read-only)"
        elif repo["isDisabled"]:
            snap.skip = "disabled"
        elif repo["isLocked"]:
            snap.skip = "locked"
        elif repo["isEmpty"] or repo.get("base") is None or repo["base"].get("target") is None:
            snap.skip = (
                "empty (no commit yet)"
                if repo["isEmpty"] or self.options.base is None
                else f"has no branch {self.options.base}"
            )
        if snap.skip:
            return snap
        base = repo["base"]
        commit = base["target"]
        snap.base = base["name"]
        snap.head = commit["oid"]
        snap.root = commit["tree"]["oid"]
        snap.dirs[""] = _entries(commit["tree"]["entries"] or [])
        self._absorb(snap, commit, [(k, p) for k, p in paths if k != "held"])
        if base.get("cmp"):
            snap.compare = base["cmp"]["status"]
        sync = (repo.get("sync") or {}).get("target")
        if sync:
            snap.sync_tip = sync["oid"]
            files = [p for k, p in paths if k != "dir"]
            for i, path in enumerate(files):
                found = sync.get(f"f{i}")
                snap.sync_files[path] = found["oid"] if found and found["type"] == "blob" else None
        for node in (repo.get("pulls") or {}).get("nodes") or []:
            if node is None or node.get("isCrossRepository"):
                continue
            snap.pulls.append(
                Pull(
                    number=node["number"],
                    url=node["url"],
                    state=node["state"],
                    title=node["title"] or "",
                    body=node["body"] or "",
                    base=node["baseRefName"],
                    head_oid=node["headRefOid"],
                    labels=frozenset(
                        n["name"] for n in (node.get("labels") or {}).get("nodes") or [] if n
                    ),
                )
            )
        return snap

    def _absorb(self, snap: Snapshot, commit: Any, paths: Sequence[tuple[str, str]]) -> None:
        for i, (kind, path) in enumerate(paths):
            found = commit.get(f"f{i}")
            if kind == "dir":
                obj = (found or {}).get("object") or {}
                if found and found["type"] == "tree" and obj.get("entries") is not None:
                    snap.dirs[path] = _entries(obj["entries"])
                else:
                    snap.absent.add(path)
            elif kind == "text" and found and found["type"] == "blob":
                self._blob(snap, found["oid"], found.get("object"))

    def _blob(self, snap: Snapshot, oid: str, blob: Any) -> None:
        """Keep a blob GraphQL gave as text, if the text is exactly its bytes."""
        if not blob or blob.get("isTruncated") or blob.get("text") is None:
            return
        data = str(blob["text"]).encode("utf-8")
        # Text that is not the blob's bytes (not UTF-8) is read again through REST.
        if blob_sha(data) == oid:
            snap.blobs[oid] = data

    # -- what one query could not answer -----------------------------------------------------

    def fetch(self, wants: dict[str, tuple[Snapshot, Want]]) -> None:
        """Everything the plans of a batch asked for, in one query (plus REST for a listing
        of a whole tree, and for blobs GraphQL will not give as text)."""
        parts = []
        plan: list[tuple[str, Snapshot, Want, list[tuple[str, str]], list[str], list[str]]] = []
        for i, (snap, want) in enumerate(wants.values()):
            if want.listing and not snap.listed:
                self._list_all(snap)
            dirs = sorted(d for d in want.dirs if d not in snap.dirs and d not in snap.absent)
            specs = [("dir", d) for d in dirs]
            blobs = sorted(o for o in want.blobs if o not in snap.blobs)
            sync = sorted(p for p in want.sync if p not in snap.sync_files)
            if not (specs or blobs or (sync and snap.sync_tip)):
                continue
            owner, repo = snap.name.split("/", 1)
            inner = []
            if specs:
                inner.append(
                    f"c: object(oid: {graphql_string(snap.head)}) {{ ... on Commit {{ "
                    f"{_file_fields(specs)} }} }}"
                )
            for j, oid in enumerate(blobs):
                inner.append(
                    f"b{j}: object(oid: {graphql_string(oid)}) {{ ... on Blob {{ {TEXT} }} }}"
                )
            if sync and snap.sync_tip:
                oids = _file_fields([("oid", p) for p in sync])
                tip = graphql_string(snap.sync_tip)
                inner.append(f"s: object(oid: {tip}) {{ ... on Commit {{ {oids} }} }}")
            parts.append(
                f"r{i}: repository(owner: {graphql_string(owner)}, name: {graphql_string(repo)}) "
                f"{{ {' '.join(inner)} }}"
            )
            plan.append((f"r{i}", snap, want, specs, blobs, sync))
        if parts:
            query = f"query {{ {' '.join(parts)} rateLimit {{ cost remaining resetAt }} }}"
            what = plan[0][1].name if len(plan) == 1 else f"{len(plan)} repositories"
            data = self.api.graphql(query, f"reading more of {what}")
            for alias, snap, _, specs, blobs, sync in plan:
                answer = data.get(alias) or {}
                self._absorb(snap, (answer.get("c") or {}), specs)
                for j, oid in enumerate(blobs):
                    self._blob(snap, oid, answer.get(f"b{j}"))
                commit = answer.get("s") or {}
                for j, path in enumerate(sync):
                    found = commit.get(f"f{j}")
                    snap.sync_files[path] = (
                        found["oid"] if found and found["type"] == "blob" else None
                    )
        for snap, want in wants.values():
            for oid, path in want.blobs.items():
                if oid not in snap.blobs:
                    snap.blobs[oid] = self._rest_blob(snap, oid, path)

    def _rest_blob(self, snap: Snapshot, oid: str, path: str) -> bytes:
        blob = self.api.rest("GET", f"/repos/{snap.name}/git/blobs/{oid}", f"reading {path}")
        content = str(blob.get("content") or "")
        # Checked on what the content decodes to, whatever `size` claims; base64 is 4/3 of
        # the bytes, so anything longer than that bound is refused before decoding.
        if len(content) > (MAX_FILE_BYTES + 2) // 3 * 4 + MAX_FILE_BYTES // 30 + 8:
            raise FatalError(_too_big(path, None))
        if blob.get("encoding") == "base64":
            try:
                data = base64.b64decode(content)
            except (binascii.Error, ValueError):
                raise ApiError(f"GitHub answered {path} with content that is not base64") from None
        else:
            data = content.encode("utf-8")
        if len(data) > MAX_FILE_BYTES:
            raise FatalError(_too_big(path, len(data)))
        if blob_sha(data) != oid:
            raise ApiError(f"GitHub answered {path} with bytes that are not blob {oid}")
        return data

    def _list_all(self, snap: Snapshot) -> None:
        """Every folder of the base tree: one recursive read, or, for a tree too large for
        that, level by level (one query per level, not per folder), never by recursion."""
        tree = self.api.rest(
            "GET",
            f"/repos/{snap.name}/git/trees/{snap.root}",
            "listing every file",
            params={"recursive": "1"},
        )
        if not tree.get("truncated"):
            snap.dirs = {"": {}}
            for item in tree.get("tree") or []:
                if len(snap.dirs) > MAX_ENTRIES:
                    break
                parent, name = posixpath.split(item["path"])
                snap.dirs.setdefault(parent, {})[name] = Entry(
                    _mode(item["mode"]), item["type"], item["sha"], item.get("size")
                )
                if item["type"] == "tree":
                    snap.dirs.setdefault(item["path"], {})
            snap.listed = True
            return
        level = [("", snap.root)]
        snap.dirs = {}
        seen = 0
        while level:
            batch, level = level[:OBJECTS_PER_QUERY], level[OBJECTS_PER_QUERY:]
            tree = f"... on Tree {{ entries {{ {ENTRY} }} }}"
            fields = " ".join(
                f"t{i}: object(oid: {graphql_string(oid)}) {{ {tree} }}"
                for i, (_, oid) in enumerate(batch)
            )
            owner, repo = snap.name.split("/", 1)
            data = self.api.graphql(
                f"query {{ r: repository(owner: {graphql_string(owner)}, name: "
                f"{graphql_string(repo)}) {{ {fields} }} rateLimit {{ cost remaining resetAt }} }}",
                f"listing the folders of {snap.name}",
            )
            repo_data = data.get("r") or {}
            for i, (path, _) in enumerate(batch):
                entries = _entries(((repo_data.get(f"t{i}") or {}).get("entries")) or [])
                snap.dirs[path] = entries
                seen += len(entries)
                if seen > MAX_ENTRIES:
                    raise FatalError(
                        f"{snap.name}: has more than {MAX_ENTRIES} files and folders; "
                        "`nested: true` cannot list them all, so remove it"
                    )
                for name, entry in entries.items():
                    if entry.type == "tree":
                        level.append((f"{path}/{name}" if path else name, entry.oid))
        snap.listed = True


def _too_big(path: str, size: int | None) -> str:
    what = f"is {size} bytes" if size is not None else "is larger than"
    return (
        f"{path}: {what}, over the {MAX_FILE_BYTES} airules reads; "
        "no editor reads rules that long, so shorten it"
    )


class RemoteTree(NoSymlinks):
    """A snapshot as the engine's Tree. In batch mode (`direct` None) a read the snapshot
    cannot answer records what it needs in `want` and raises Unread; with `direct`, it is
    fetched at once. Writes stay in memory for the writer. Symlinks are not followed, and
    `mode: symlink` targets are written as copies."""

    def __init__(self, snap: Snapshot, direct: Any = None) -> None:
        self.snap = snap
        self.direct = direct
        self.want = Want()
        self.writes: dict[str, bytes] = {}
        # Files of the base tree to delete (a stale scoped file): read and listed as absent,
        # sent in the one tree-creation request with `sha: null`.
        self.removes: set[str] = set()

    def _miss(self, want: Want, what: str) -> None:
        if self.direct is not None:
            self.direct(self.snap, want)
            return
        self.want.dirs |= want.dirs
        self.want.blobs.update(want.blobs)
        self.want.sync |= want.sync
        self.want.listing |= want.listing
        raise Unread(f"{what}: not read yet")

    def _dir(self, folder: str, target: str) -> dict[str, Entry] | None:
        """The entries of `folder`, walked from the root one name at a time (no recursion)."""
        snap = self.snap
        entries = snap.dirs[""]
        here = ""
        for name in folder.split("/") if folder else []:
            entry = entries.get(name)
            if entry is None:
                return None
            here = f"{here}/{name}" if here else name
            if entry.type != "tree":
                what = "a symlink" if entry.mode == SYMLINK_MODE else "a file"
                raise FatalError(
                    f"{target}: {here} on its path is {what} in {snap.name}, not a folder; "
                    "airules-pr does not follow symlinks, so move it or choose another path"
                )
            if here not in snap.dirs:
                # Every folder still unknown on the way, in one round.
                rest = [f for f in _folders(f"{folder}/x") if f not in snap.dirs]
                self._miss(Want(dirs=set(rest)), target)
                if here not in snap.dirs:
                    return None
            entries = snap.dirs[here]
        return entries

    def _entry(self, path: str) -> Entry | None:
        self.snap.used.setdefault(path, "held")
        parent, name = posixpath.split(path)
        entries = self._dir(parent, path)
        return None if entries is None else entries.get(name)

    def _check_file(self, path: str, entry: Entry) -> None:
        if entry.type == "tree":
            raise FatalError(f"{path}: is a directory, not a file; move it or choose another path")
        if entry.mode == SYMLINK_MODE:
            raise FatalError(
                f"{path}: is a symlink in {self.snap.name}; airules-pr does not follow "
                "symlinks, so replace it with a file or choose another path"
            )
        if entry.type != "blob":
            raise FatalError(f"{path}: is a submodule, not a file; choose another path")

    def holds(self, path: str, data: bytes) -> bool:
        """Whether `path` is a regular file holding exactly `data`, by blob id: the engine
        asks before reading a generated file, so a file in sync is never downloaded."""
        if path in self.writes:
            return self.writes[path] == data
        if path in self.removes:
            return False
        entry = self._entry(path)
        return (
            entry is not None
            and entry.type == "blob"
            and entry.mode in FILE_MODES
            and entry.oid == blob_sha(data)
        )

    def read(self, path: str) -> bytes | None:
        if path in self.writes:
            return self.writes[path]
        if path in self.removes:
            return None
        if self.snap.used.get(path) != "held":
            self.snap.used[path] = "text"
        entry = self._entry(path)
        if entry is None:
            return None
        self._check_file(path, entry)
        # A cheap refusal on the size GitHub reports; the bytes are checked again below.
        if entry.size is not None and entry.size > MAX_FILE_BYTES:
            raise FatalError(_too_big(path, entry.size))
        if entry.oid not in self.snap.blobs:
            self._miss(Want(blobs={entry.oid: path}), path)
        data = self.snap.blobs[entry.oid]
        if len(data) > MAX_FILE_BYTES:
            raise FatalError(_too_big(path, len(data)))
        return data

    def write(self, path: str, data: bytes) -> None:
        entry = self._entry(path)
        if entry is not None:
            self._check_file(path, entry)
        self.removes.discard(path)
        self.writes[path] = data

    def remove(self, path: str) -> None:
        """Delete the file at `path` in the commit to come. Only a file the base tree holds is
        sent: GitHub refuses to delete one that does not exist."""
        self.writes.pop(path, None)
        entry = self._entry(path)
        if entry is None:
            return
        if entry.type == "tree":
            raise FatalError(f"{path}: is a directory, not a file; airules leaves it")
        self.removes.add(path)

    def mode(self, path: str) -> str:
        entry = self._entry(path)
        return entry.mode if entry is not None and entry.mode in FILE_MODES else FILE_MODES[0]

    def _listing(self) -> None:
        if not self.snap.listed:
            self._miss(Want(listing=True), "the list of files")

    def list_dir(self, folder: str) -> list[str]:
        """The files below `folder`, walked level by level without recursion; a folder the
        snapshot lacks is asked for, all of one level in one round (not the whole tree)."""
        if folder and self._dir(folder, folder) is None:
            return []
        while True:
            out: list[str] = []
            missing: set[str] = set()
            todo = [folder]
            while todo:
                here = todo.pop()
                entries = self.snap.dirs.get(here)
                if entries is None:
                    if here not in self.snap.absent:
                        missing.add(here)
                    continue
                for name, entry in entries.items():
                    path = f"{here}/{name}" if here else name
                    if entry.type == "tree":
                        todo.append(path)
                    elif entry.type == "blob":
                        out.append(path)
            if not missing:
                return sorted(p for p in out if p not in self.removes)
            self._miss(Want(dirs=missing), folder)

    def find_files(self, name: str) -> list[str]:
        # Every folder: one recursive listing (level by level for a tree too large for it).
        self._listing()
        return sorted(p for p in self.list_dir("") if posixpath.basename(p) == name)

    def sync_holds(self) -> bool | None:
        """Whether the sync branch already holds every file written, byte for byte (None:
        not known yet; the batch asks)."""
        snap = self.snap
        if snap.sync_tip is None:
            return False
        unknown = {p for p in [*self.writes, *self.removes] if p not in snap.sync_files}
        if unknown:
            self._miss(Want(sync=unknown), "the sync branch")
        return all(snap.sync_files.get(p) == blob_sha(d) for p, d in self.writes.items()) and all(
            snap.sync_files.get(p) is None for p in self.removes
        )
