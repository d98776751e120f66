"""GitHub through its REST API, for `airules-pr`: a branch head read as the engine's Tree, and
the commit, sync branch and pull request made from what the engine wrote. The only module
that imports PyGithub, and only once `airules-pr` runs."""

from __future__ import annotations

import base64
import functools
import hashlib
import logging
import posixpath
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from airules import __version__
from airules.errors import FatalError
from airules.tree import MAX_FILE_BYTES, NoSymlinks

if TYPE_CHECKING:
    from github.GitCommit import GitCommit
    from github.GithubException import GithubException
    from github.GitRef import GitRef
    from github.GitTree import GitTree
    from github.MainClass import Github
    from github.PullRequest import PullRequest
    from github.Repository import Repository

T = TypeVar("T")

DEFAULT_API_URL = "https://api.github.com"
FILE_MODE = "100644"
TREE_MODE = "40000"
SYMLINK_MODE = "120000"


class ApiError(Exception):
    """GitHub refused or failed a request; the message says what to do about it."""


@dataclass(frozen=True)
class Limits:
    """How patient airules-pr is with GitHub. Not user options: tests shrink them."""

    # Retries of one request after a rate limit (429, or 403 saying so) or a 5xx.
    retries: int = 4
    # The most seconds spent waiting between retries over the whole run; a rate limit that
    # asks for longer fails at once instead of holding a CI job for an hour.
    max_wait: float = 300.0
    # The first wait after a 5xx or a dropped connection, doubled on every further retry.
    backoff: float = 2.0
    # PyGithub's spacing of requests and of writes; GitHub asks integrations to space
    # content-creating requests to stay clear of its secondary rate limits.
    request_spacing: float = 0.25
    write_spacing: float = 1.0
    timeout: int = 30


class _Redact(logging.Filter):
    """Keeps tokens out of whatever PyGithub and urllib3 log, whoever configured logging."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message, self.secrets)
        if clean != message:
            record.msg, record.args = clean, None
        return True


_REDACT = _Redact()


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def blob_sha(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass(frozen=True)
class Entry:
    # The mode as git stores it in a tree object: 100644, 100755, 120000, 160000 or 40000.
    mode: str
    type: str
    sha: str
    size: int | None = None


def tree_sha(entries: Mapping[str, Entry]) -> str:
    """The SHA git gives a tree holding `entries`, so a tree can be compared before upload."""

    # git sorts a folder as if its name ended with a slash.
    def key(name: str) -> bytes:
        return (name + "/" if entries[name].type == "tree" else name).encode("utf-8")

    body = b"".join(
        f"{entries[name].mode} {name}".encode() + b"\0" + bytes.fromhex(entries[name].sha)
        for name in sorted(entries, key=key)
    )
    return hashlib.sha1(b"tree %d\0" % len(body) + body).hexdigest()


def _entry(mode: str, type_: str, sha: str, size: int | None) -> Entry:
    # The API writes folders as 040000; git objects say 40000.
    return Entry(mode.lstrip("0"), type_, sha, size)


class GitHub:
    """One connection to the API: every request goes through `call`, which retries what is
    worth retrying and turns the rest into an ApiError with a sentence saying how to fix it."""

    def __init__(
        self,
        *,
        token: str | None,
        api_url: str,
        limits: Limits,
        token_name: str = "GITHUB_TOKEN",
        on_wait: Callable[[str], None] = lambda message: None,
    ) -> None:
        from github import Auth, Github

        self.api_url = api_url.rstrip("/")
        self.limits = limits
        self.token_name = token_name
        self.on_wait = on_wait
        self.waited = 0.0
        self.secrets = {token} if token else set()
        _REDACT.secrets.update(self.secrets)
        # A logger's filters see only records made by that logger, not its children's.
        known = ("github.Requester", "github.GithubRetry", "urllib3.connectionpool")
        for name in {*known, *logging.root.manager.loggerDict}:
            if name.split(".")[0] in ("github", "urllib3", "requests"):
                logger = logging.getLogger(name)
                if _REDACT not in logger.filters:
                    logger.addFilter(_REDACT)
        # PyGithub's own retries are off: `call` retries with bounds tests can shrink, and
        # PyGithub's would hide an error until its own much longer patience ran out.
        self.gh: Github = Github(
            auth=Auth.Token(token) if token else None,
            base_url=self.api_url,
            retry=None,
            timeout=limits.timeout,
            seconds_between_requests=limits.request_spacing or None,
            seconds_between_writes=limits.write_spacing or None,
            user_agent=f"airules-pr/{__version__}",
        )

    def close(self) -> None:
        self.gh.close()

    def call(self, doing: str, fn: Callable[[], T], *, not_found: str | None = None) -> T:
        from github import GithubException
        from requests import RequestException

        attempt = 0
        while True:
            try:
                return fn()
            except GithubException as e:
                wait, kind = self._wait_for(e, attempt)
                if wait is None:
                    if e.status == 404 and not_found is not None:
                        raise ApiError(not_found) from None
                    raise ApiError(self._explain(e, doing)) from None
                said = _said(e)
            except RequestException as e:
                wait, kind = self.limits.backoff * 2**attempt, "connection"
                said = type(e).__name__
            if kind == "rate limit" and self.waited + wait > self.limits.max_wait:
                raise ApiError(
                    f"GitHub's rate limit stopped {doing} ({said}); it asks to wait {wait:.0f} s, "
                    "longer than airules-pr waits: run again later, or use a GitHub App token, "
                    "which has a higher limit"
                )
            if attempt >= self.limits.retries or self.waited + wait > self.limits.max_wait:
                raise ApiError(self._gave_up(kind, doing, said, attempt + 1))
            attempt += 1
            self.on_wait(
                f"GitHub {kind} while {doing} ({said}); retry {attempt} of "
                f"{self.limits.retries} in {wait:.1f} s"
            )
            self.waited += wait
            time.sleep(wait)

    def _wait_for(self, e: GithubException, attempt: int) -> tuple[float | None, str]:
        headers = {k.lower(): v for k, v in (e.headers or {}).items()}
        message = _message(e).lower()
        limited = e.status == 429 or (
            e.status == 403
            and (
                "rate limit" in message
                or "retry-after" in headers
                or headers.get("x-ratelimit-remaining") == "0"
            )
        )
        if limited:
            if "retry-after" in headers:
                try:
                    return max(0.0, float(headers["retry-after"])), "rate limit"
                except ValueError:
                    pass
            if headers.get("x-ratelimit-remaining") == "0" and "x-ratelimit-reset" in headers:
                try:
                    return max(0.0, float(headers["x-ratelimit-reset"]) - time.time()), "rate limit"
                except ValueError:
                    pass
            # GitHub's advice for a secondary limit that names no time: wait a minute.
            return 60.0, "rate limit"
        if e.status >= 500:
            return self.limits.backoff * 2**attempt, "server error"
        return None, ""

    def _gave_up(self, kind: str, doing: str, said: str, tries: int) -> str:
        if kind == "rate limit":
            return (
                f"GitHub kept rate limiting {doing} ({said}) through {tries} tries; run again "
                "later, or use a GitHub App token, which has a higher limit"
            )
        if kind == "connection":
            return (
                f"cannot reach the GitHub API at {self.api_url} while {doing} ({said}, "
                f"{tries} tries); check $GITHUB_API_URL and the network"
            )
        return (
            f"GitHub answered {said} while {doing}, {tries} times in a row; GitHub may be "
            "having trouble (see githubstatus.com): run again later"
        )

    def _explain(self, e: GithubException, doing: str) -> str:
        said = _said(e)
        text = said.lower()
        if e.status == 401:
            return (
                f"GitHub rejected the token while {doing} ({said}); check that "
                f"${self.token_name} holds a valid token that has not expired or been revoked"
            )
        if e.status == 403 and "not permitted to create or approve pull requests" in text:
            return (
                f'GitHub refused {doing} ({said}); turn on "Allow GitHub Actions to create and '
                'approve pull requests" under Settings > Actions > General > Workflow '
                "permissions of the repository (or its organisation), or give airules-pr a "
                "GitHub App token or a personal access token"
            )
        if e.status == 403 and "resource not accessible by integration" in text:
            return (
                f"GitHub refused {doing} ({said}); the token may not write here: give the job "
                "`permissions: contents: write` and `pull-requests: write`, and turn on "
                '"Allow GitHub Actions to create and approve pull requests" under Settings > '
                "Actions > General of the repository (or its organisation)"
            )
        if e.status == 403:
            return (
                f"GitHub refused {doing} ({said}); the token needs write access to the "
                "repository's contents and pull requests"
            )
        if e.status == 404:
            return (
                f"GitHub found nothing while {doing} ({said}); check the names, and that the "
                "token can see the repository (a private one needs a token with access to it)"
            )
        if e.status == 409 and "empty" in text:
            return f"GitHub refused {doing} ({said}); the repository is empty: push a commit first"
        if e.status == 422 and "protected" in text:
            return (
                f"GitHub refused {doing} ({said}): a protected branch cannot be force-updated; "
                "give airules-pr a --branch of its own that no branch protection rule matches"
            )
        return f"GitHub refused {doing} ({said})"

    def repository(self, full_name: str) -> Remote:
        def get() -> Repository:
            repo = self.gh.get_repo(full_name)
            repo.default_branch  # noqa: B018 (fetches the repository now, inside the retry)
            return repo

        repo = self.call(
            f"reading repository {full_name}",
            get,
            not_found=(
                f"repository {full_name} not found (404); check --repo (default "
                "$GITHUB_REPOSITORY), and that the token can see it: a private repository "
                "needs a token with access to it"
            ),
        )
        return Remote(self, repo)


def _message(e: GithubException) -> str:
    data = e.data
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return str(data["message"])
    return e.message or ""


def _said(e: GithubException) -> str:
    """The status and what GitHub said, with the details of a 422 Validation Failed."""
    said = f"{e.status} {_message(e)}".strip()
    data: Any = e.data
    details = []
    if isinstance(data, dict) and isinstance(data.get("errors"), list):
        for error in data["errors"]:
            if isinstance(error, dict):
                details.append(
                    str(error.get("message") or f"{error.get('field')} {error.get('code')}")
                )
            elif isinstance(error, str):
                details.append(error)
    if details:
        said += ": " + "; ".join(details)
    return said


@dataclass(frozen=True)
class Head:
    commit: GitCommit
    tree: GitTree

    @property
    def sha(self) -> str:
        return self.commit.sha


@dataclass(frozen=True)
class Branch:
    ref: GitRef
    sha: str
    tree_sha: str


@dataclass(frozen=True)
class Pull:
    number: int
    url: str
    title: str
    body: str
    labels: frozenset[str]
    obj: PullRequest = field(compare=False, repr=False)


class Remote:
    """One repository: reads and writes, each a named `call`."""

    def __init__(self, api: GitHub, repo: Repository) -> None:
        self.api = api
        self.repo = repo
        self.full_name = repo.full_name
        self.owner = repo.owner.login
        self.default_branch = repo.default_branch

    def head(self, branch: str) -> Head:
        def get() -> Head:
            sha = self.repo.get_git_ref(f"heads/{branch}").object.sha
            commit = self.repo.get_git_commit(sha)
            return Head(commit, self.repo.get_git_tree(commit.tree.sha, recursive=True))

        return self.api.call(
            f"reading branch {branch} of {self.full_name}",
            get,
            not_found=f"branch {branch} not found in {self.full_name} (404); check --base",
        )

    def branch(self, name: str) -> Branch | None:
        """The sync branch, or None if it does not exist yet."""
        from github import GithubException

        def get() -> Branch | None:
            try:
                ref = self.repo.get_git_ref(f"heads/{name}")
                sha = ref.object.sha
            except GithubException as e:
                if e.status == 404:
                    return None
                raise
            return Branch(ref, sha, self.repo.get_git_commit(sha).tree.sha)

        return self.api.call(f"reading branch {name}", get)

    def tree(self, head: Head) -> GitHubTree:
        return GitHubTree(self, head.tree)

    def list_tree(self, sha: str, path: str) -> dict[str, Entry]:
        tree = self.api.call(f"reading folder {path or '/'}", lambda: self.repo.get_git_tree(sha))
        return {e.path: _entry(e.mode, e.type, e.sha, e.size) for e in tree.tree}

    def read_blob(self, sha: str, path: str) -> bytes:
        blob = self.api.call(f"reading {path}", lambda: self.repo.get_git_blob(sha))
        if blob.encoding == "base64":
            return base64.b64decode(blob.content)
        return blob.content.encode("utf-8")

    def commit(self, tree: GitHubTree, parent: Head, message: str) -> str:
        """Blobs, one tree on top of the parent's, one commit; returns the commit's SHA.

        No author or committer is sent: GitHub then signs the commit as the token's user or
        app and shows it verified."""
        from github.InputGitTreeElement import InputGitTreeElement

        elements = []
        for path, data in sorted(tree.writes.items()):
            content = base64.b64encode(data).decode("ascii")
            blob = self.api.call(
                f"uploading {path}", functools.partial(self.repo.create_git_blob, content, "base64")
            )
            elements.append(InputGitTreeElement(path, tree.mode(path), "blob", sha=blob.sha))
        new_tree = self.api.call(
            "creating the tree", lambda: self.repo.create_git_tree(elements, parent.tree)
        )
        commit = self.api.call(
            "creating the commit",
            lambda: self.repo.create_git_commit(message, new_tree, [parent.commit]),
        )
        return commit.sha

    def move_branch(self, name: str, sha: str, current: Branch | None) -> None:
        from github import GithubException

        def move() -> None:
            if current is not None:
                # The branch is airules's own; whatever is on it is rebuilt from the base.
                current.ref.edit(sha, force=True)
                return
            try:
                self.repo.create_git_ref(f"refs/heads/{name}", sha)
            except GithubException as e:
                # Created since it was read, or by a retried request that had in fact worked.
                if e.status != 422 or "already exists" not in _said(e):
                    raise
                self.repo.get_git_ref(f"heads/{name}").edit(sha, force=True)

        self.api.call(f"{'updating' if current else 'creating'} branch {name}", move)

    def open_pull(self, branch: str, base: str) -> Pull | None:
        # Without the OWNER: prefix GitHub ignores the head filter and lists every pull request.
        pulls = self.api.call(
            "listing pull requests",
            lambda: list(
                self.repo.get_pulls(state="open", head=f"{self.owner}:{branch}", base=base)
            ),
        )
        return _pull(pulls[0]) if pulls else None

    def create_pull(self, *, base: str, branch: str, title: str, body: str) -> tuple[Pull, bool]:
        """The new pull request and True, or the open one GitHub says exists and False."""
        from github import GithubException

        attempts = 0

        def create() -> Pull | None:
            nonlocal attempts
            attempts += 1
            try:
                return _pull(self.repo.create_pull(base=base, head=branch, title=title, body=body))
            except GithubException as e:
                # A pull request opened since they were listed, or by a retried request that
                # had in fact worked: use that one, never a duplicate.
                if e.status == 422 and "already exists" in _said(e):
                    return None
                raise

        pull = self.api.call("creating the pull request", create)
        if pull is not None:
            return pull, True
        found = self.open_pull(branch, base)
        if found is None:
            raise ApiError(
                f"GitHub says a pull request from {branch} into {base} already exists, but "
                "lists none open; run again"
            )
        return found, attempts > 1

    def edit_pull(self, pull: Pull, *, title: str | None, body: str) -> None:
        if title is None:
            self.api.call(f"editing pull request #{pull.number}", lambda: pull.obj.edit(body=body))
        else:
            self.api.call(
                f"editing pull request #{pull.number}",
                lambda: pull.obj.edit(title=title, body=body),
            )

    def close_pull(self, pull: Pull, comment: str) -> None:
        self.api.call(
            f"commenting on pull request #{pull.number}",
            lambda: pull.obj.create_issue_comment(comment),
        )
        self.api.call(f"closing pull request #{pull.number}", lambda: pull.obj.edit(state="closed"))

    def add_labels(self, pull: Pull, labels: Iterable[str]) -> None:
        missing = [label for label in labels if label not in pull.labels]
        if missing:
            self.api.call(
                f"labelling pull request #{pull.number}",
                lambda: pull.obj.add_to_labels(*missing),
            )


def _pull(pr: PullRequest) -> Pull:
    return Pull(
        number=pr.number,
        url=pr.html_url,
        title=pr.title or "",
        body=pr.body or "",
        labels=frozenset(label.name for label in pr.labels),
        obj=pr,
    )


class GitHubTree(NoSymlinks):
    """A commit's files as the engine's Tree. Reads fetch only the blobs asked for; writes
    stay in memory until `Remote.commit` uploads them. Symlinks are not followed, and
    `mode: symlink` targets are written as copies."""

    def __init__(self, remote: Remote, root: GitTree) -> None:
        self.remote = remote
        self.root_sha = root.sha
        self.writes: dict[str, bytes] = {}
        self._dirs: dict[str, dict[str, Entry]] = {}
        self._blobs: dict[str, bytes] = {}
        # A tree too large for one answer (over 100,000 entries) is read folder by folder.
        if not root.truncated:
            self._dirs[""] = {}
            for e in root.tree:
                parent, name = posixpath.split(e.path)
                self._dirs.setdefault(parent, {})[name] = _entry(e.mode, e.type, e.sha, e.size)
                if e.type == "tree":
                    self._dirs.setdefault(e.path, {})

    def _dir(self, path: str, target: str) -> dict[str, Entry] | None:
        if path in self._dirs:
            return self._dirs[path]
        if not path:
            self._dirs[""] = self.remote.list_tree(self.root_sha, "")
            return self._dirs[""]
        parent, name = posixpath.split(path)
        above = self._dir(parent, target)
        entry = None if above is None else above.get(name)
        if entry is None:
            return None
        if entry.type != "tree":
            what = "a symlink" if entry.mode == SYMLINK_MODE else "a file"
            raise FatalError(
                f"{target}: {path} on its path is {what} in {self.remote.full_name}, not a "
                "folder; airules-pr does not follow symlinks, so move it or choose another path"
            )
        self._dirs[path] = self.remote.list_tree(entry.sha, path)
        return self._dirs[path]

    def _entry(self, path: str) -> Entry | None:
        parent, name = posixpath.split(path)
        entries = self._dir(parent, path)
        return None if entries is None else entries.get(name)

    def read(self, path: str) -> bytes | None:
        if path in self.writes:
            return self.writes[path]
        entry = self._entry(path)
        if entry is None:
            return None
        self._check_file(path, entry)
        if entry.size is not None and entry.size > MAX_FILE_BYTES:
            raise FatalError(
                f"{path}: is {entry.size} bytes, over the {MAX_FILE_BYTES} airules reads; "
                "no editor reads rules that long, so shorten it"
            )
        if entry.sha not in self._blobs:
            self._blobs[entry.sha] = self.remote.read_blob(entry.sha, path)
        return self._blobs[entry.sha]

    def _check_file(self, path: str, entry: Entry) -> None:
        if entry.type == "tree":
            raise FatalError(f"{path}: is a directory, not a file; move it or choose another path")
        if entry.mode == SYMLINK_MODE:
            raise FatalError(
                f"{path}: is a symlink in {self.remote.full_name}; airules-pr does not follow "
                "symlinks, so replace it with a file or choose another path"
            )
        if entry.type != "blob":
            raise FatalError(f"{path}: is a submodule, not a file; choose another path")

    def write(self, path: str, data: bytes) -> None:
        entry = self._entry(path)
        if entry is not None:
            self._check_file(path, entry)
        self.writes[path] = data

    def list_dir(self, folder: str) -> list[str]:
        entries = self._dir(folder, folder)
        if entries is None:
            return []
        out: list[str] = []
        for name, entry in sorted(entries.items()):
            path = f"{folder}/{name}" if folder else name
            if entry.type == "tree":
                out.extend(self.list_dir(path))
            elif entry.type == "blob":
                out.append(path)
        return out

    def find_files(self, name: str) -> list[str]:
        # Reads every folder of a tree too large for one answer: only `nested: true` asks.
        return sorted(p for p in self.list_dir("") if posixpath.basename(p) == name)

    def mode(self, path: str) -> str:
        entry = self._entry(path)
        return entry.mode if entry is not None else FILE_MODE

    def tree_sha(self) -> str:
        """The SHA of the root tree with the writes applied, computed here: a run whose
        result equals the sync branch's tree then uploads nothing."""
        return self._hash_dir("") if self.writes else self.root_sha

    def _hash_dir(self, path: str) -> str:
        entries = dict(self._dir(path, path) or {})
        prefix = f"{path}/" if path else ""
        subdirs = set()
        for written, data in self.writes.items():
            if not written.startswith(prefix):
                continue
            name, sep, _ = written[len(prefix) :].partition("/")
            if sep:
                subdirs.add(name)
            else:
                entries[name] = Entry(self.mode(written), "blob", blob_sha(data))
        for name in subdirs:
            entries[name] = Entry(TREE_MODE, "tree", self._hash_dir(prefix + name))
        return tree_sha(entries)
