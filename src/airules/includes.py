"""Rules kept elsewhere: the `include:` entries of a config, their pins in `.airules.lock`, the
vendored copies the check reads, and the update that moves the pins.

Everything here works over a `Tree` and a `Resolver`, so `airules-check --update` (the working
copy) and `airules-pr --update-includes` (a branch read through the API) share it. Nothing here
touches the network: `fetch.py` does, and only `--update` imports it. The check reads the
vendored copies and verifies them against the lock, offline.

An include is one file today. A folder of rules (the scoped rules of issue 13) fits the same
shape: `Resolver.download` would return several files, a pin would hold one digest per file,
and `included_rules` would yield one text per file; the lock's `files` list is already a list
for that reason.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from airules.errors import FatalError
from airules.render import normalize, rules_text, sha256_hex
from airules.tree import MAX_FILE_BYTES, Tree

if TYPE_CHECKING:
    from airules.config import Config

LOCK_PATH = ".airules.lock"
INCLUDE_DIR = ".airules/include"
UPDATE_COMMAND = "airules-check --update"
LOCK_VERSION = 1
# Same bound as every file the check reads: an include is rules text, not a data set.
MAX_INCLUDE_BYTES = MAX_FILE_BYTES

_OWNER_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})")
_REPO_RE = re.compile(r"[A-Za-z0-9_.-]{1,100}")
# A branch, tag or commit: what `git check-ref-format` allows, minus a leading `-` (never an
# option to git) and the rarer characters nobody names a release with.
_REF_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+/-]{0,254}")
_HOST_RE = re.compile(r"[A-Za-z0-9.-]+(?::[0-9]{1,5})?")
_COMMIT_RE = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_SHA256_RE = re.compile(r"[0-9a-f]{64}")
GIT_SCHEMES = ("https", "file")


@dataclass(frozen=True)
class Include:
    # Exactly as the config writes it: the key of its pin in the lock.
    spec: str
    # "github" (OWNER/REPO/PATH@REF), "git" (URL//PATH@REF) or "local" (a path in this repo).
    kind: str
    # github: OWNER/REPO; git: the repository's URL; local: "".
    repo: str
    # The file inside that repository (local: inside this one).
    path: str
    ref: str = ""
    line: int = 0

    @property
    def remote(self) -> bool:
        return self.kind != "local"

    @property
    def vendored(self) -> str:
        """Where the pinned copy lives in this repository (derived, never read from the lock)."""
        if self.kind == "github":
            return f"{INCLUDE_DIR}/github/{self.repo}/{self.path}"
        if self.kind == "git":
            scheme, _, rest = self.repo.partition("://")
            host, _, where = rest.partition("/")
            where = where.strip("/").removesuffix(".git")
            if scheme == "file":
                # Only the repository's own name: a machine's folders do not belong in a commit.
                host, where = "file", posixpath.basename(where)
            return f"{INCLUDE_DIR}/git/{host.replace(':', '_')}/{where}/{self.path}"
        return self.path


def parse_include(text: str, line: int = 0) -> Include:
    """One `include:` entry; ValueError saying what is wrong. The path inside the repository is
    returned as written: the config reader checks it as it checks every path."""
    if any(c < " " or c == "\x7f" for c in text) or " " in text:
        raise ValueError("contains a space or a control character")
    if "://" in text:
        return _parse_git(text, line)
    if "@" in text:
        where, _, ref = text.rpartition("@")
        parts = where.split("/", 2)
        if len(parts) < 3 or not parts[2]:
            raise ValueError("is not OWNER/REPO/PATH@REF (for example acme/rules/security.md@v1)")
        owner, repo, path = parts
        if not _OWNER_RE.fullmatch(owner):
            raise ValueError(f"has {owner!r}, which is not a GitHub owner name")
        if not _REPO_RE.fullmatch(repo) or repo in (".", ".."):
            raise ValueError(f"has {repo!r}, which is not a GitHub repository name")
        return Include(text, "github", f"{owner}/{repo}", path, _ref(ref), line)
    return Include(text, "local", "", text, "", line)


def _parse_git(text: str, line: int) -> Include:
    scheme, _, rest = text.partition("://")
    if scheme not in GIT_SCHEMES:
        raise ValueError(
            f"uses {scheme}://; includes are fetched over https:// only (or file:// for a "
            "repository on this machine)"
        )
    # Terraform's and Renovate's way of naming a file in a repository: URL//PATH@REF.
    split = rest.find("//")
    if split < 0:
        raise ValueError("is not URL//PATH@REF (for example https://host/rules.git//team.md@v1)")
    location, tail = rest[:split], rest[split + 2 :]
    path, at, ref = tail.rpartition("@")
    if not at or not path:
        raise ValueError("has no @REF after the path; name a branch, tag or commit")
    host, _, where = location.partition("/")
    if "@" in host:
        raise ValueError(
            "carries credentials in its URL; leave them out (git's credential helper or the "
            "environment supplies them)"
        )
    if "?" in location or "#" in location:
        raise ValueError("has a query or fragment in its URL; remove it")
    if scheme == "https" and not _HOST_RE.fullmatch(host):
        raise ValueError(f"has {host!r}, which is not a host name")
    if scheme == "file" and host:
        raise ValueError("names a host in a file:// URL; write file:///path/to/repo.git")
    if not where.strip("/"):
        raise ValueError("names no repository in its URL")
    return Include(text, "git", f"{scheme}://{location}", path, _ref(ref), line)


def _ref(ref: str) -> str:
    if not _REF_RE.fullmatch(ref) or ".." in ref or "//" in ref or ref.endswith(("/", ".lock")):
        raise ValueError(f"has {ref!r} after @, which is not a branch, tag or commit name")
    return ref


# -- the lock ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pin:
    """One lock entry: where an include came from, the commit its ref named, and the digest
    of the file as that commit holds it."""

    include: str
    url: str
    path: str
    ref: str
    commit: str
    sha256: str
    vendored: str

    def header(self) -> str:
        """The first line of the vendored copy: its origin, from the pin alone."""
        return (
            f"<!-- airules include {self.include}: {self.path} at commit {self.commit} of "
            f"{self.url}. Written by `{UPDATE_COMMAND}`; do not edit this copy. -->\n\n"
        )

    def vendored_bytes(self, content: bytes) -> bytes:
        return self.header().encode("utf-8") + content


def lock_text(pins: Sequence[Pin]) -> str:
    import json

    data = {
        "version": LOCK_VERSION,
        "comment": f"Written by `{UPDATE_COMMAND}`; do not edit.",
        "includes": [
            {
                "include": p.include,
                "url": p.url,
                "ref": p.ref,
                "commit": p.commit,
                "files": [{"path": p.path, "vendored": p.vendored, "sha256": p.sha256}],
            }
            for p in pins
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def parse_lock(data: bytes) -> dict[str, Pin]:
    """The pins of a lock, by include; FatalError naming the lock when it is not one."""
    import json

    fix = f"run `{UPDATE_COMMAND}` to rewrite it"
    try:
        root = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise FatalError(f"{LOCK_PATH}: is not UTF-8; {fix}") from None
    except ValueError as e:
        where = f":{e.lineno}" if isinstance(e, json.JSONDecodeError) else ""
        raise FatalError(f"{LOCK_PATH}{where}: is not valid JSON; {fix}") from None
    if not isinstance(root, dict) or root.get("version") != LOCK_VERSION:
        raise FatalError(f"{LOCK_PATH}: is not a version {LOCK_VERSION} airules lock; {fix}")
    entries = root.get("includes")
    if not isinstance(entries, list):
        raise FatalError(f"{LOCK_PATH}: has no `includes` list; {fix}")
    pins: dict[str, Pin] = {}
    for entry in entries:
        pin = _pin(entry)
        if pin is None:
            raise FatalError(f"{LOCK_PATH}: has an entry airules did not write; {fix}")
        pins[pin.include] = pin
    return pins


def _pin(entry: object) -> Pin | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("files"), list):
        return None
    files = entry["files"]
    if len(files) != 1 or not isinstance(files[0], dict):
        return None
    values = {k: entry.get(k) for k in ("include", "url", "ref", "commit")}
    values.update({k: files[0].get(k) for k in ("path", "vendored", "sha256")})
    if not all(isinstance(v, str) for v in values.values()):
        return None
    # Lock text reaches messages: no escape sequence or newline may forge a line of output.
    if any(c < " " or c == "\x7f" for v in values.values() for c in v):  # type: ignore[union-attr]
        return None
    pin = Pin(**values)  # type: ignore[arg-type]
    if not _COMMIT_RE.fullmatch(pin.commit) or not _SHA256_RE.fullmatch(pin.sha256):
        return None
    return pin


# -- the check: vendored copies against the lock, offline ----------------------------------


def _decode(name: str, data: bytes) -> str:
    if b"\0" in data:
        raise FatalError(
            f"{name}: contains NUL bytes, so it is not rules text; include a text file"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise FatalError(f"{name}: is not UTF-8 (byte {e.start}); save it as UTF-8") from None


def digest(text: str) -> str:
    """What a pin records: the SHA-256 of the text with LF line endings and no BOM, so that a
    checkout that converts line endings (Git for Windows' core.autocrlf) still verifies."""
    return sha256_hex(normalize(text).encode("utf-8"))


def read_lock(tree: Tree) -> dict[str, Pin] | None:
    data = tree.read(LOCK_PATH)
    return None if data is None else parse_lock(data)


def included_rules(tree: Tree, config: Config) -> list[str]:
    """The text of every include, in the config's order, from this repository alone: local
    includes as they are, remote ones from their vendored copies, each verified against its
    pin. Anything that does not match is a FatalError that says to run `--update`."""
    where = config.path or ".airules.yml"
    pins = read_lock(tree)
    rerun = f"run `{UPDATE_COMMAND}`"
    texts = []
    for include in config.includes:
        if not include.remote:
            data = tree.read(include.path)
            if data is None:
                raise FatalError(
                    f"{where}:{include.line}: include {include.spec!r} is not a file in this "
                    "repository; fix the path or remove the entry"
                )
            texts.append(_decode(include.path, data))
            continue
        if pins is None:
            raise FatalError(
                f"{LOCK_PATH}: not found, but {where} includes {include.spec}; {rerun} to pin "
                "and download the includes, then commit .airules.lock and .airules/"
            )
        pin = pins.get(include.spec)
        if pin is None:
            raise FatalError(
                f"{where}:{include.line}: include {include.spec} is not in {LOCK_PATH}; {rerun}"
            )
        if pin.vendored != include.vendored or pin.path != include.path or pin.ref != include.ref:
            raise FatalError(f"{LOCK_PATH}: its pin of {include.spec} does not match it; {rerun}")
        data = tree.read(include.vendored)
        if data is None:
            raise FatalError(f"{include.vendored}: missing (the copy of {include.spec}); {rerun}")
        content = _verified(pin, data)
        if content is None:
            raise FatalError(
                f"{include.vendored}: differs from what {LOCK_PATH} pins for {include.spec} "
                f"(commit {pin.commit[:12]}); edit the rules at their origin, then {rerun}"
            )
        texts.append(content)
    if pins is not None:
        wanted = {i.spec for i in config.includes}
        for spec in pins:
            if spec not in wanted:
                raise FatalError(
                    f"{LOCK_PATH}: pins {spec}, which {where} no longer includes; {rerun}"
                )
    return [rules_text(t) for t in texts if t.strip()]


def _verified(pin: Pin, data: bytes) -> str | None:
    """The text of a vendored copy when it is what `pin` describes, else None."""
    try:
        text = normalize(_decode(pin.vendored, data))
    except FatalError:
        return None
    header = pin.header()
    if not text.startswith(header):
        return None
    content = text[len(header) :]
    return content if digest(content) == pin.sha256 else None


def with_includes(tree: Tree, config: Config, rules: str) -> str:
    """The root rules as editors get them: the includes in order, then the source's own."""
    return "\n".join([*included_rules(tree, config), rules])


# -- the update: move the pins (the network is behind the resolver) -------------------------


class Resolver(Protocol):
    """What an update needs from wherever includes live (fetch.py speaks to GitHub and git)."""

    def resolve(self, include: Include) -> str:
        """The commit `include.ref` names now."""

    def download(self, include: Include, commit: str) -> bytes:
        """The file at `include.path` as `commit` holds it (at most MAX_INCLUDE_BYTES)."""

    def url(self, include: Include) -> str:
        """The repository's address, for the lock and the vendored copy's header."""

    def compare_url(self, include: Include, old: str, new: str) -> str | None:
        """A page showing what changed between two commits, where the host has one."""


@dataclass(frozen=True)
class Moved:
    include: str
    old: str
    new: str
    compare_url: str | None


@dataclass(frozen=True)
class IncludeUpdate:
    # Vendored copies to write: new pins, moved pins, and copies restored at their pin.
    files: dict[str, bytes]
    # The new lock's bytes, or None when it stays as it is.
    lock: bytes | None
    pins: tuple[Pin, ...]
    moved: tuple[Moved, ...] = ()
    added: tuple[Pin, ...] = ()
    # Pins of includes the config no longer has; their vendored copies are no longer read.
    dropped: tuple[Pin, ...] = ()
    restored: tuple[str, ...] = field(default=())

    @property
    def changed(self) -> bool:
        return bool(self.files) or self.lock is not None


def plan_update(tree: Tree, config: Config, resolver: Resolver) -> IncludeUpdate:
    """Resolve every remote include's ref; download what moved or is missing; return the new
    vendored copies and lock. Writes nothing: `write_update` does, into any tree."""
    where = config.path or ".airules.yml"
    try:
        old = read_lock(tree) or {}
    except FatalError:
        old = {}  # a broken lock is what an update is for: it is rewritten whole
    pins: list[Pin] = []
    files: dict[str, bytes] = {}
    moved: list[Moved] = []
    added: list[Pin] = []
    restored: list[str] = []
    for include in config.includes:
        if not include.remote:
            continue
        commit = resolver.resolve(include)
        if not _COMMIT_RE.fullmatch(commit):
            raise FatalError(f"{where}:{include.line}: {include.spec}: resolved to {commit!r}")
        before = old.get(include.spec)
        current = tree.read(include.vendored)
        if (
            before is not None
            and before.commit == commit
            and before.vendored == include.vendored
            and before.path == include.path
            and before.ref == include.ref
            and current is not None
            and _verified(before, current) is not None
        ):
            pins.append(before)
            continue
        content = resolver.download(include, commit)
        name = f"{where}:{include.line}: {include.spec}"
        if len(content) > MAX_INCLUDE_BYTES:
            raise FatalError(
                f"{name}: is {len(content)} bytes, over the {MAX_INCLUDE_BYTES} airules reads"
            )
        text = _decode(name, content)
        pin = Pin(
            include=include.spec,
            url=resolver.url(include),
            path=include.path,
            ref=include.ref,
            commit=commit,
            sha256=digest(text),
            vendored=include.vendored,
        )
        data = pin.vendored_bytes(content)
        if current != data:
            files[include.vendored] = data
        if before is None:
            added.append(pin)
        elif before.commit != commit:
            compare = resolver.compare_url(include, before.commit, commit)
            moved.append(Moved(include.spec, before.commit, commit, compare))
        elif current != data:
            restored.append(include.vendored)
        pins.append(pin)
    wanted = {p.include for p in pins}
    dropped = tuple(p for spec, p in old.items() if spec not in wanted)
    new_lock = lock_text(pins).encode("utf-8") if pins or old else None
    lock = None if new_lock is None or tree.read(LOCK_PATH) == new_lock else new_lock
    return IncludeUpdate(
        files, lock, tuple(pins), tuple(moved), tuple(added), dropped, tuple(restored)
    )


def write_update(tree: Tree, update: IncludeUpdate) -> list[str]:
    """Write the update's files and lock into `tree`; return the paths written."""
    written = []
    for path, data in update.files.items():
        tree.write(path, data)
        written.append(path)
    if update.lock is not None:
        tree.write(LOCK_PATH, update.lock)
        written.append(LOCK_PATH)
    return written


def update_summary(update: IncludeUpdate) -> str:
    """Plain lines for a commit message: each pin that moved or was added."""
    lines = [f"{m.include}: {m.old[:12]} -> {m.new[:12]}" for m in update.moved]
    lines += [f"{p.include}: pinned at {p.commit[:12]}" for p in update.added]
    return "".join(f"{line}\n" for line in lines)


def update_body(update: IncludeUpdate) -> str:
    """The pull request's account of the pins that moved, as Markdown ("" when none did)."""
    from airules.markdown import code

    if not (update.moved or update.added or update.restored or update.dropped):
        return ""
    lines = ["### Included rules", ""]
    if update.moved:
        lines += ["| include | from | to | changes |", "|---|---|---|---|"]
        for m in update.moved:
            link = f"[compare]({m.compare_url})" if m.compare_url else "no compare view"
            lines.append(
                f"| {code(m.include, cell=True)} | `{m.old[:12]}` | `{m.new[:12]}` | {link} |"
            )
        lines.append("")
    for pin in update.added:
        lines.append(f"- {code(pin.include)}: pinned at `{pin.commit[:12]}` (new include)")
    for path in update.restored:
        lines.append(f"- {code(path)}: restored to its pinned content (it had been changed)")
    for pin in update.dropped:
        lines.append(
            f"- {code(pin.include)}: no longer included; its pin is gone from "
            f"`{LOCK_PATH}` (delete {code(pin.vendored)})"
        )
    if lines[-1]:
        lines.append("")
    lines.append(
        f"The vendored copies under `{INCLUDE_DIR}/` and `{LOCK_PATH}` were updated by airules; "
        "the editor files below are regenerated from them. Change included rules at their "
        "origin, never in the copies."
    )
    return "\n".join(lines) + "\n"
