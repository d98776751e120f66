"""A small stateful fake of GitHub's REST and GraphQL APIs, spoken to by real PyGithub over HTTP.

It keeps real git objects (blob, tree and commit SHAs are the ones git computes), refs, pull
requests with their comments and labels, and can be told to fail a request with any status,
message and headers, by method and path. Where it matters it behaves like GitHub: GraphQL
queries are validated against GitHub's published schema (fake_graphql.py); a pull request
needs commits its base lacks ("No commits between"); an archived repository is read-only;
rulesets refuse updates ("Repository rule violations found"); content-creating requests past
the secondary limits are refused; every request is counted by kind. Tests assert on its
state, not on call order."""

from __future__ import annotations

import base64
import contextlib
import copy
import hashlib
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatch
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

BOT = ("airules-bot", "bot@example.com")
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


class HttpError(Exception):
    def __init__(self, status: int, message: str, errors: list[Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {
            "message": message,
            "documentation_url": "https://docs.github.com/rest",
            "status": str(status),
        }
        if errors is not None:
            self.body["errors"] = errors


@dataclass
class Raw:
    """An answer that is not JSON: a media type the client asked for with Accept."""

    body: bytes
    content_type: str


@dataclass
class Failure:
    method: str
    path: re.Pattern[str]
    status: int
    body: Any
    headers: dict[str, str]
    times: int
    # Answer so only after doing the request: a success the client never hears about.
    after: bool = False


@dataclass
class Repo:
    owner: str
    name: str
    default_branch: str
    objects: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)
    pulls: list[dict[str, Any]] = field(default_factory=list)
    protected: set[str] = field(default_factory=set)
    archived: bool = False
    disabled: bool = False
    fork: bool = False
    # Branch pattern -> the rules of a ruleset on it: "non_fast_forward", "update", "creation".
    rulesets: dict[str, set[str]] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


class FakeGitHub:
    def __init__(self, token: str | None = None, prefix: str = "") -> None:
        self.token = token
        self.prefix = prefix
        self.repos: dict[str, Repo] = {}
        self.failures: list[Failure] = []
        self.requests: list[tuple[str, str]] = []
        self.errors: list[str] = []
        # Answer recursive tree reads as if the tree were too large, like GitHub past 100,000.
        self.truncate_trees = False
        self.clock = 1_700_000_000
        # Requests by kind: "graphql", "GET", "POST", "PATCH", ... and "content-creating".
        self.kinds: Counter[str] = Counter()
        self.mutations = 0
        self.graphql_cost = 0
        self.graphql_remaining = 5000
        self.rest_remaining = 5000
        self.query_nodes: list[int] = []
        # Every blob whose bytes were served, through GraphQL or REST.
        self.blobs_read: list[str] = []
        # Report this for every blob's size in tree listings, as a lying server would.
        self.claimed_size: int | None = None
        # GitHub gives a blob's `text` only up to a size; past it `isTruncated` is true.
        self.text_limit = 512 * 1024
        # Added to every answer, as a network would.
        self.latency = 0.0
        # https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api
        self.secondary_per_minute = 80
        self.secondary_per_hour = 500
        self.minute = 60.0
        self.created: list[float] = []
        # Whether the token may change .github/workflows/ (a GitHub App's Workflows permission).
        self.workflows_allowed = False
        self.lock = threading.RLock()
        self.server: ThreadingHTTPServer | None = None

    # -- running -----------------------------------------------------------------------------

    def start(self) -> None:
        fake = self

        class Handler(_Handler):
            pass

        Handler.fake = fake
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    @property
    def root(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def url(self) -> str:
        """The API root, for $GITHUB_API_URL."""
        return self.root + self.prefix

    # -- seeding and inspecting --------------------------------------------------------------

    def create_repo(
        self, full_name: str, files: dict[str, bytes | str], default_branch: str = "main"
    ) -> Repo:
        owner, name = full_name.split("/")
        repo = Repo(owner, name, default_branch)
        self.repos[full_name] = repo
        self.push(full_name, default_branch, files, message="Initial commit\n")
        return repo

    def push(
        self,
        full_name: str,
        branch: str,
        files: dict[str, bytes | str | None],
        message: str = "Change files\n",
        author: tuple[str, str] = ("Dev", "dev@example.com"),
        timestamp: int | None = None,
    ) -> str:
        """Commit `files` (None deletes a path) on top of `branch`, as someone pushing would;
        a new branch starts from the default branch."""
        with self.lock:
            repo = self.repos[full_name]
            parent = repo.refs.get(f"heads/{branch}") or repo.refs.get(
                f"heads/{repo.default_branch}"
            )
            base = self.commit_tree(repo, parent) if parent else None
            changes = {}
            for path, data in files.items():
                if data is None:
                    changes[path] = None
                else:
                    raw = data.encode() if isinstance(data, str) else data
                    changes[path] = ("100644", self.store(repo, "blob", raw))
            tree = self.update_tree(repo, base, changes)
            sha = self.make_commit(
                repo, tree, [parent] if parent else [], message, author, timestamp
            )
            repo.refs[f"heads/{branch}"] = sha
            return sha

    def files(self, full_name: str, branch: str) -> dict[str, bytes]:
        repo = self.repos[full_name]
        tree = self.commit_tree(repo, repo.refs[f"heads/{branch}"])
        return {
            path: repo.objects[sha][1]
            for path, (mode, sha) in self.walk(repo, tree)
            if mode != "40000"
        }

    def tree_of(self, full_name: str, branch: str) -> str:
        repo = self.repos[full_name]
        return self.commit_tree(repo, repo.refs[f"heads/{branch}"])

    def pulls(self, full_name: str, state: str = "all") -> list[dict[str, Any]]:
        return [p for p in self.repos[full_name].pulls if state in ("all", p["state"])]

    def open_pull(self, full_name: str, head: str, base: str, title: str) -> int:
        """A pull request someone else opened."""
        repo = self.repos[full_name]
        number = len(repo.pulls) + 1
        repo.pulls.append(
            {
                "number": number,
                "state": "open",
                "title": title,
                "body": "",
                "head": head,
                "base": base,
                "labels": [],
                "comments": [],
            }
        )
        return number

    def fail(
        self,
        method: str,
        path: str,
        status: int,
        message: str = "",
        *,
        headers: dict[str, str] | None = None,
        times: int = 1,
        errors: list[Any] | None = None,
        body: Any = None,
        after: bool = False,
    ) -> None:
        """The next `times` requests matching `method` and the `path` regex get this answer
        instead of the real one (an error document unless `body` is given)."""
        if body is None:
            body = HttpError(status, message, errors).body
        self.failures.append(
            Failure(method, re.compile(path), status, body, headers or {}, times, after)
        )

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return copy.deepcopy(
                {name: (r.objects, r.refs, r.pulls, r.protected) for name, r in self.repos.items()}
            )

    def writes(self) -> list[tuple[str, str]]:
        return [(m, p) for m, p in self.requests if m != "GET" and not p.endswith("/graphql")]

    def content_creating(self) -> int:
        return self.kinds["content-creating"]

    def total(self) -> int:
        return sum(n for kind, n in self.kinds.items() if kind != "content-creating")

    def ahead(self, repo: Repo, head: str, base: str) -> int:
        """Commits reachable from `head` and not from `base`."""
        seen_base = self._reachable(repo, base)
        return len(self._reachable(repo, head) - seen_base)

    def _reachable(self, repo: Repo, sha: str) -> set[str]:
        seen: set[str] = set()
        todo = [sha]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            todo.extend(self.commit_fields(repo, current)["parents"])
        return seen

    def merge_pull(self, full_name: str, number: int, squash: bool = False) -> str:
        """Merge a pull request as a person would: a merge commit (or a squash) on its base."""
        with self.lock:
            repo = self.repos[full_name]
            pull = next(p for p in repo.pulls if p["number"] == number)
            base = repo.refs[f"heads/{pull['base']}"]
            head = repo.refs[f"heads/{pull['head']}"]
            tree = self.commit_tree(repo, head)
            parents = [base] if squash else [base, head]
            sha = self.make_commit(repo, tree, parents, f"Merge #{number}\n", ("Dev", "dev@x"))
            repo.refs[f"heads/{pull['base']}"] = sha
            pull.update(state="closed", merged=True, head_sha=head)
            return sha

    def close_pull(self, full_name: str, number: int) -> None:
        """A person closes a pull request without merging it."""
        pull = next(p for p in self.repos[full_name].pulls if p["number"] == number)
        pull["state"] = "closed"

    # -- git objects -------------------------------------------------------------------------

    @staticmethod
    def store(repo: Repo, kind: str, content: bytes) -> str:
        sha = hashlib.sha1(f"{kind} {len(content)}\0".encode() + content).hexdigest()
        repo.objects[sha] = (kind, content)
        return sha

    def tree_entries(self, repo: Repo, sha: str) -> dict[str, tuple[str, str]]:
        kind, raw = repo.objects.get(sha, ("", b""))
        if kind != "tree":
            raise HttpError(404, "Not Found")
        entries = {}
        while raw:
            head, _, raw = raw.partition(b"\0")
            mode, _, name = head.decode().partition(" ")
            entries[name] = (mode, raw[:20].hex())
            raw = raw[20:]
        return entries

    def store_tree(self, repo: Repo, entries: dict[str, tuple[str, str]]) -> str:
        def key(name: str) -> bytes:
            return (name + "/" if entries[name][0] == "40000" else name).encode()

        body = b"".join(
            f"{entries[n][0]} {n}".encode() + b"\0" + bytes.fromhex(entries[n][1])
            for n in sorted(entries, key=key)
        )
        return self.store(repo, "tree", body)

    def update_tree(
        self, repo: Repo, base: str | None, changes: dict[str, tuple[str, str] | None]
    ) -> str:
        entries = self.tree_entries(repo, base) if base else {}
        below: dict[str, dict[str, tuple[str, str] | None]] = {}
        for path, value in changes.items():
            name, sep, rest = path.partition("/")
            if sep:
                below.setdefault(name, {})[rest] = value
            elif value is None:
                entries.pop(name, None)
            else:
                entries[name] = value
        for name, sub in below.items():
            current = entries.get(name)
            sha = self.update_tree(
                repo, current[1] if current and current[0] == "40000" else None, sub
            )
            if sha == EMPTY_TREE:
                entries.pop(name, None)
            else:
                entries[name] = ("40000", sha)
        return self.store_tree(repo, entries)

    def walk(self, repo: Repo, tree: str, prefix: str = "") -> list[tuple[str, tuple[str, str]]]:
        out = []
        for name, (mode, sha) in self.tree_entries(repo, tree).items():
            out.append((prefix + name, (mode, sha)))
            if mode == "40000":
                out.extend(self.walk(repo, sha, f"{prefix}{name}/"))
        return out

    def make_commit(
        self,
        repo: Repo,
        tree: str,
        parents: list[str],
        message: str,
        author: tuple[str, str],
        timestamp: int | None = None,
    ) -> str:
        if timestamp is None:
            self.clock += 60
            timestamp = self.clock
        who = f"{author[0]} <{author[1]}> {timestamp} +0000"
        text = f"tree {tree}\n" + "".join(f"parent {p}\n" for p in parents)
        text += f"author {who}\ncommitter {who}\n\n{message}"
        return self.store(repo, "commit", text.encode())

    def commit_fields(self, repo: Repo, sha: str) -> dict[str, Any]:
        kind, raw = repo.objects.get(sha, ("", b""))
        if kind != "commit":
            raise HttpError(404, "Not Found")
        head, _, message = raw.decode().partition("\n\n")
        fields: dict[str, Any] = {"parents": [], "message": message}
        for line in head.splitlines():
            key, _, value = line.partition(" ")
            if key == "parent":
                fields["parents"].append(value)
            else:
                fields[key] = value
        return fields

    def commit_tree(self, repo: Repo, sha: str) -> str:
        return str(self.commit_fields(repo, sha)["tree"])


class _Handler(BaseHTTPRequestHandler):
    fake: FakeGitHub
    protocol_version = "HTTP/1.1"
    timeout = 10
    # One write per response: headers and body sent apart meet the client's delayed ACK.
    wbufsize = 64 * 1024

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.handle_api("GET")

    def do_POST(self) -> None:
        self.handle_api("POST")

    def do_PATCH(self) -> None:
        self.handle_api("PATCH")

    def do_PUT(self) -> None:
        self.handle_api("PUT")

    def do_DELETE(self) -> None:
        self.handle_api("DELETE")

    def handle_api(self, method: str) -> None:
        fake = self.fake
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if fake.latency:
            time.sleep(fake.latency)
        graphql_path = fake.prefix.removesuffix("/v3") + "/graphql"
        with fake.lock:
            fake.requests.append((method, path))
            if method == "POST" and path == graphql_path:
                fake.kinds["graphql"] += 1
                failure = next(
                    (
                        f
                        for f in fake.failures
                        if f.times and f.method == "POST" and f.path.search("/graphql")
                    ),
                    None,
                )
                if failure is not None and not failure.after:
                    failure.times -= 1
                    self.reply(failure.status, failure.body, failure.headers)
                    return
                self.graphql(raw)
                return
            fake.kinds[method] += 1
            if method != "GET":
                fake.kinds["content-creating"] += 1
            fake.rest_remaining -= 1
            try:
                if not path.startswith(fake.prefix + "/"):
                    raise HttpError(404, "Not Found")
                path = path[len(fake.prefix) :]
                if method != "GET":
                    self.secondary_limit()
                failure = next(
                    (
                        f
                        for f in fake.failures
                        if f.times and f.method == method and f.path.search(path)
                    ),
                    None,
                )
                if failure is not None:
                    failure.times -= 1
                    if not failure.after:
                        self.reply(failure.status, failure.body, failure.headers)
                        return
                self.authenticate(method)
                body = json.loads(raw) if raw else {}
                api = Api(fake, query, body)
                api.accept = self.headers.get("Accept", "")
                status, data = api.route(method, path)
                if failure is not None:
                    status, data = failure.status, failure.body
            except HttpError as e:
                status, data = e.status, e.body
            except Exception as e:  # a bug in the fake: fail the test, not the connection
                fake.errors.append(f"{method} {path}: {e!r}")
                status, data = 500, {"message": f"fake GitHub bug: {e!r}"}
        self.reply(status, data, {})

    def secondary_limit(self) -> None:
        fake = self.fake
        now = time.monotonic()
        fake.created = [t for t in fake.created if t > now - fake.minute * 60]
        in_minute = [t for t in fake.created if t > now - fake.minute]
        if len(in_minute) >= fake.secondary_per_minute or (
            len(fake.created) >= fake.secondary_per_hour
        ):
            fake.kinds["secondary-limited"] += 1
            raise HttpError(
                403,
                "You have exceeded a secondary rate limit. Please wait a few minutes before "
                "you try again.",
            )
        fake.created.append(now)

    def graphql(self, raw: bytes) -> None:
        from fake_graphql import run

        try:
            self.authenticate("POST")
            body = json.loads(raw) if raw else {}
            data = run(self.fake, body)
        except HttpError as e:
            self.reply(e.status, e.body, {})
            return
        except Exception as e:  # a bug in the fake: fail the test, not the connection
            self.fake.errors.append(f"graphql: {e!r}")
            self.reply(500, {"message": f"fake GitHub bug: {e!r}"}, {})
            return
        self.reply(200, data, {})

    def authenticate(self, method: str) -> None:
        given = self.headers.get("Authorization")
        if given is None:
            if method != "GET":
                raise HttpError(401, "Requires authentication")
            return
        token = given.partition(" ")[2]
        if self.fake.token is not None and token != self.fake.token:
            raise HttpError(401, "Bad credentials")

    def reply(self, status: int, data: Any, headers: dict[str, str]) -> None:
        kind = "application/json"
        if isinstance(data, Raw):
            payload, kind = data.body, data.content_type
        else:
            payload = json.dumps(data).encode() if data is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", f"{kind}; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        defaults = {
            "X-RateLimit-Limit": "5000",
            "X-RateLimit-Remaining": str(max(0, self.fake.rest_remaining)),
            "X-RateLimit-Reset": "1800000000",
        }
        for name, value in defaults.items():
            if name.lower() not in {h.lower() for h in headers}:
                self.send_header(name, value)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)


_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    (method, re.compile(f"^/repos/(?P<owner>[^/]+)/(?P<name>[^/]+){pattern}$"), handler)
    for method, pattern, handler in [
        ("GET", "", "get_repo"),
        ("GET", "/git/(?:ref|refs)/(?P<ref>.+)", "get_ref"),
        ("POST", "/git/refs", "create_ref"),
        ("PATCH", "/git/refs/(?P<ref>.+)", "update_ref"),
        ("GET", "/git/commits/(?P<sha>[0-9a-f]+)", "get_commit"),
        ("POST", "/git/commits", "create_commit"),
        ("GET", "/git/trees/(?P<sha>[0-9a-f]+)", "get_tree"),
        ("POST", "/git/trees", "create_tree"),
        ("GET", "/git/blobs/(?P<sha>[0-9a-f]+)", "get_blob"),
        ("POST", "/git/blobs", "create_blob"),
        ("GET", "/pulls", "list_pulls"),
        ("POST", "/pulls", "create_pull"),
        ("GET", "/pulls/(?P<number>[0-9]+)", "get_pull"),
        ("PATCH", "/pulls/(?P<number>[0-9]+)", "edit_pull"),
        ("POST", "/issues/(?P<number>[0-9]+)/comments", "comment"),
        ("GET", "/issues/(?P<number>[0-9]+)/comments", "list_comments"),
        ("POST", "/issues/(?P<number>[0-9]+)/labels", "add_labels"),
        # What included rules are fetched with (airules.fetch.GitHubResolver).
        ("GET", "/commits/(?P<ref>.+)", "get_commit_sha"),
        ("GET", "/contents/(?P<path>.+)", "get_contents_raw"),
    ]
]


class Api:
    def __init__(self, fake: FakeGitHub, query: dict[str, str], body: Any) -> None:
        self.fake = fake
        self.query = query
        self.body = body
        self.accept = ""

    def route(self, method: str, path: str) -> tuple[int, Any]:
        for route_method, pattern, handler in _ROUTES:
            match = pattern.match(path)
            if match and route_method == method:
                args = match.groupdict()
                repo = self.fake.repos.get(f"{args.pop('owner')}/{args.pop('name')}")
                if repo is None:
                    raise HttpError(404, "Not Found")
                self.repo = repo
                if method != "GET" and repo.archived:
                    raise HttpError(403, "Repository was archived so is read-only.")
                result: tuple[int, Any] = getattr(self, handler)(**args)
                return result
        raise HttpError(404, "Not Found")

    # -- urls and documents ------------------------------------------------------------------

    @property
    def api(self) -> str:
        return f"{self.fake.url}/repos/{self.repo.full_name}"

    def repo_doc(self) -> dict[str, Any]:
        r = self.repo
        return {
            "id": 1,
            "name": r.name,
            "full_name": r.full_name,
            "owner": {"login": r.owner, "id": 2, "type": "User"},
            "private": False,
            "default_branch": r.default_branch,
            "url": self.api,
            "html_url": f"{self.fake.root}/{r.full_name}",
        }

    def ref_doc(self, ref: str) -> dict[str, Any]:
        sha = self.repo.refs[ref]
        return {
            "ref": f"refs/{ref}",
            "url": f"{self.api}/git/refs/{ref}",
            "object": {"sha": sha, "type": "commit", "url": f"{self.api}/git/commits/{sha}"},
        }

    def commit_doc(self, sha: str) -> dict[str, Any]:
        fields = self.fake.commit_fields(self.repo, sha)

        def person(value: str) -> dict[str, str]:
            name, _, rest = value.partition(" <")
            email, _, _when = rest.partition("> ")
            return {"name": name, "email": email, "date": "2023-11-14T22:13:20Z"}

        return {
            "sha": sha,
            "url": f"{self.api}/git/commits/{sha}",
            "author": person(fields["author"]),
            "committer": person(fields["committer"]),
            "message": fields["message"],
            "tree": {"sha": fields["tree"], "url": f"{self.api}/git/trees/{fields['tree']}"},
            "parents": [
                {"sha": p, "url": f"{self.api}/git/commits/{p}"} for p in fields["parents"]
            ],
            "verification": {"verified": False, "reason": "unsigned"},
        }

    def entry_doc(self, path: str, mode: str, sha: str) -> dict[str, Any]:
        if mode == "40000":
            return {
                "path": path,
                "mode": "040000",
                "type": "tree",
                "sha": sha,
                "url": f"{self.api}/git/trees/{sha}",
            }
        kind = "commit" if mode == "160000" else "blob"
        doc = {"path": path, "mode": mode, "type": kind, "sha": sha}
        if kind == "blob":
            doc["size"] = self.fake.claimed_size or len(self.repo.objects[sha][1])
            doc["url"] = f"{self.api}/git/blobs/{sha}"
        return doc

    def tree_doc(self, sha: str, recursive: bool) -> dict[str, Any]:
        if recursive and not self.fake.truncate_trees:
            items = self.fake.walk(self.repo, sha)
        else:
            items = list(self.fake.tree_entries(self.repo, sha).items())
        return {
            "sha": sha,
            "url": f"{self.api}/git/trees/{sha}",
            "tree": [self.entry_doc(path, mode, s) for path, (mode, s) in items],
            "truncated": bool(recursive and self.fake.truncate_trees),
        }

    def pull_doc(self, pull: dict[str, Any]) -> dict[str, Any]:
        n = pull["number"]
        r = self.repo
        return {
            "url": f"{self.api}/pulls/{n}",
            "html_url": f"{self.fake.root}/{r.full_name}/pull/{n}",
            "issue_url": f"{self.api}/issues/{n}",
            "number": n,
            "state": pull["state"],
            "title": pull["title"],
            "body": pull["body"],
            "labels": [{"name": label} for label in pull["labels"]],
            "head": {
                "ref": pull["head"],
                "label": f"{r.owner}:{pull['head']}",
                "sha": r.refs.get(f"heads/{pull['head']}", ""),
            },
            "base": {"ref": pull["base"], "label": f"{r.owner}:{pull['base']}"},
            "user": {"login": BOT[0]},
            "merged": bool(pull.get("merged")),
        }

    def find_pull(self, number: str) -> dict[str, Any]:
        for pull in self.repo.pulls:
            if pull["number"] == int(number):
                return pull
        raise HttpError(404, "Not Found")

    # -- handlers ----------------------------------------------------------------------------

    def get_repo(self) -> tuple[int, Any]:
        return 200, self.repo_doc()

    def get_ref(self, ref: str) -> tuple[int, Any]:
        if ref not in self.repo.refs:
            raise HttpError(404, "Not Found")
        return 200, self.ref_doc(ref)

    def create_ref(self) -> tuple[int, Any]:
        name, sha = self.body.get("ref", ""), self.body.get("sha", "")
        if not name.startswith("refs/") or name.count("/") < 2:
            raise HttpError(422, "Reference name is invalid")
        ref = name.removeprefix("refs/")
        if ref in self.repo.refs:
            raise HttpError(422, "Reference already exists")
        if self.repo.objects.get(sha, ("",))[0] != "commit":
            raise HttpError(422, "Object does not exist")
        if "creation" in self.rules(ref):
            raise HttpError(
                422,
                "Repository rule violations found\n\n"
                "Cannot create ref due to creations being restricted.\n\n",
            )
        self.repo.refs[ref] = sha
        return 201, self.ref_doc(ref)

    def update_ref(self, ref: str) -> tuple[int, Any]:
        sha = self.body.get("sha", "")
        if ref not in self.repo.refs:
            raise HttpError(422, "Reference does not exist")
        if ref.removeprefix("heads/") in self.repo.protected:
            raise HttpError(422, f"Protected branch update failed for refs/{ref}.")
        if self.repo.objects.get(sha, ("",))[0] != "commit":
            raise HttpError(422, "Object does not exist")
        fast_forward = self.descends(sha, self.repo.refs[ref])
        rules = self.rules(ref)
        if "update" in rules:
            raise HttpError(
                422, "Repository rule violations found\n\nCannot update this protected ref.\n\n"
            )
        if not fast_forward and "non_fast_forward" in rules:
            raise HttpError(
                422, "Repository rule violations found\n\nCannot force-push to this branch\n\n"
            )
        if not self.body.get("force") and not fast_forward:
            raise HttpError(422, "Update is not a fast forward")
        self.repo.refs[ref] = sha
        return 200, self.ref_doc(ref)

    def rules(self, ref: str) -> set[str]:
        branch = ref.removeprefix("heads/")
        found: set[str] = set()
        for pattern, rules in self.repo.rulesets.items():
            if fnmatch(branch, pattern):
                found |= rules
        return found

    def descends(self, sha: str, ancestor: str) -> bool:
        todo = [sha]
        while todo:
            current = todo.pop()
            if current == ancestor:
                return True
            todo.extend(self.fake.commit_fields(self.repo, current)["parents"])
        return False

    def get_commit(self, sha: str) -> tuple[int, Any]:
        return 200, self.commit_doc(sha)

    def create_commit(self) -> tuple[int, Any]:
        tree = self.body.get("tree", "")
        parents = self.body.get("parents", [])
        if self.repo.objects.get(tree, ("",))[0] != "tree":
            raise HttpError(422, "Tree SHA does not exist")
        for parent in parents:
            if self.repo.objects.get(parent, ("",))[0] != "commit":
                raise HttpError(422, "Parent SHA does not exist or is not a commit object")
        # Without an author GitHub uses the token's identity.
        author = self.body.get("author") or {"name": BOT[0], "email": BOT[1]}
        sha = self.fake.make_commit(
            self.repo,
            tree,
            parents,
            self.body.get("message", ""),
            (author["name"], author["email"]),
        )
        return 201, self.commit_doc(sha)

    def get_tree(self, sha: str) -> tuple[int, Any]:
        return 200, self.tree_doc(sha, bool(self.query.get("recursive")))

    def create_tree(self) -> tuple[int, Any]:
        base = self.body.get("base_tree")
        if base is not None and self.repo.objects.get(base, ("",))[0] != "tree":
            raise HttpError(422, "Invalid tree info", ["base_tree is not a valid tree oid"])
        changes: dict[str, tuple[str, str] | None] = {}
        for item in self.body.get("tree", []):
            mode = item["mode"].lstrip("0")
            if item["path"].startswith(".github/workflows/") and not self.fake.workflows_allowed:
                raise HttpError(
                    403,
                    f"refusing to allow a GitHub App to create or update workflow "
                    f"`{item['path']}` without `workflows` permission",
                )
            if "content" in item:
                sha = self.fake.store(self.repo, "blob", item["content"].encode())
            elif item.get("sha") is None:
                changes[item["path"]] = None
                continue
            else:
                sha = item["sha"]
                if sha not in self.repo.objects:
                    raise HttpError(422, "Invalid tree info", [f"{sha} is not a valid oid"])
            changes[item["path"]] = (mode, sha)
        deleted = {path for path, value in changes.items() if value is None}
        if deleted:
            # "Returns an error if you try to delete a file that does not exist."
            held = {path for path, _ in self.fake.walk(self.repo, base)} if base else set()
            for path in sorted(deleted - held):
                raise HttpError(422, "GitRPC::BadObjectState", [f"{path} does not exist"])
        sha = self.fake.update_tree(self.repo, base, changes)
        return 201, self.tree_doc(sha, False)

    def resolve(self, ref: str) -> str | None:
        """A branch, tag or commit SHA to its commit, as GitHub's commit endpoints take it."""
        if self.repo.objects.get(ref, ("",))[0] == "commit":
            return ref
        return self.repo.refs.get(f"heads/{ref}") or self.repo.refs.get(f"tags/{ref}")

    def get_commit_sha(self, ref: str) -> tuple[int, Any]:
        # https://docs.github.com/en/rest/commits/commits#get-a-commit (the sha media type)
        sha = self.resolve(ref)
        if sha is None:
            raise HttpError(422, f"No commit found for SHA: {ref}")
        if self.accept != "application/vnd.github.sha":
            raise HttpError(415, "this fake answers the sha media type only")
        return 200, Raw(sha.encode(), "application/vnd.github.sha")

    def get_contents_raw(self, path: str) -> tuple[int, Any]:
        # https://docs.github.com/en/rest/repos/contents#get-repository-content (raw)
        sha = self.resolve(self.query.get("ref") or self.repo.default_branch)
        if sha is None:
            raise HttpError(404, "No commit found for the ref")
        found = dict(self.fake.walk(self.repo, self.fake.commit_tree(self.repo, sha)))
        mode, oid = found.get(path, ("", ""))
        if mode in ("100644", "100755") and self.accept == "application/vnd.github.raw+json":
            return 200, Raw(self.repo.objects[oid][1], "application/vnd.github.raw")
        if mode == "40000":
            below = [{"type": "file", "path": p} for p in sorted(found) if p.startswith(path + "/")]
            return 200, below
        raise HttpError(404, "Not Found")

    def get_blob(self, sha: str) -> tuple[int, Any]:
        kind, content = self.repo.objects.get(sha, ("", b""))
        if kind != "blob":
            raise HttpError(404, "Not Found")
        self.fake.blobs_read.append(sha)
        return 200, {
            "sha": sha,
            "size": len(content),
            "url": f"{self.api}/git/blobs/{sha}",
            # GitHub wraps base64 at 60 characters.
            "content": base64.encodebytes(content).decode(),
            "encoding": "base64",
        }

    def create_blob(self) -> tuple[int, Any]:
        content = self.body.get("content", "")
        if self.body.get("encoding") == "base64":
            data = base64.b64decode(content)
        else:
            data = content.encode()
        sha = self.fake.store(self.repo, "blob", data)
        return 201, {"sha": sha, "url": f"{self.api}/git/blobs/{sha}"}

    def list_pulls(self) -> tuple[int, Any]:
        state = self.query.get("state", "open")
        head = self.query.get("head", "")
        base = self.query.get("base")
        out = []
        for pull in self.repo.pulls:
            if state != "all" and pull["state"] != state:
                continue
            # Like GitHub: a head filter without OWNER: is ignored.
            if ":" in head and head != f"{self.repo.owner}:{pull['head']}":
                continue
            if base and pull["base"] != base:
                continue
            out.append(self.pull_doc(pull))
        return 200, out

    def create_pull(self) -> tuple[int, Any]:
        head = str(self.body.get("head", ""))
        base = str(self.body.get("base", ""))
        branch = head.split(":", 1)[1] if ":" in head else head
        errors = []
        if f"heads/{branch}" not in self.repo.refs:
            errors.append({"resource": "PullRequest", "field": "head", "code": "invalid"})
        if f"heads/{base}" not in self.repo.refs:
            errors.append({"resource": "PullRequest", "field": "base", "code": "invalid"})
        if errors:
            raise HttpError(422, "Validation Failed", errors)
        for pull in self.repo.pulls:
            if pull["state"] == "open" and pull["head"] == branch and pull["base"] == base:
                message = f"A pull request already exists for {self.repo.owner}:{branch}."
                raise HttpError(
                    422,
                    "Validation Failed",
                    [{"resource": "PullRequest", "code": "custom", "message": message}],
                )
        if self.descends(self.repo.refs[f"heads/{base}"], self.repo.refs[f"heads/{branch}"]):
            message = f"No commits between {base} and {branch}"
            raise HttpError(
                422,
                "Validation Failed",
                [{"resource": "PullRequest", "code": "custom", "message": message}],
            )
        pull = {
            "number": len(self.repo.pulls) + 1,
            "state": "open",
            "title": self.body.get("title", ""),
            "body": self.body.get("body") or "",
            "head": branch,
            "base": base,
            "labels": [],
            "comments": [],
        }
        self.repo.pulls.append(pull)
        return 201, self.pull_doc(pull)

    def get_pull(self, number: str) -> tuple[int, Any]:
        return 200, self.pull_doc(self.find_pull(number))

    def edit_pull(self, number: str) -> tuple[int, Any]:
        pull = self.find_pull(number)
        for key in ("title", "body", "state"):
            if key in self.body:
                pull[key] = self.body[key]
        return 200, self.pull_doc(pull)

    def comment(self, number: str) -> tuple[int, Any]:
        pull = self.find_pull(number)
        pull["comments"].append(self.body.get("body", ""))
        n = len(pull["comments"])
        return 201, {"id": n, "body": pull["comments"][-1], "url": f"{self.api}/comments/{n}"}

    def list_comments(self, number: str) -> tuple[int, Any]:
        pull = self.find_pull(number)
        return 200, [{"id": i + 1, "body": body} for i, body in enumerate(pull["comments"])]

    def add_labels(self, number: str) -> tuple[int, Any]:
        pull = self.find_pull(number)
        # PyGithub sends a bare list; GitHub also takes {"labels": [...]}.
        labels = self.body if isinstance(self.body, list) else self.body.get("labels", [])
        for label in labels:
            if label not in pull["labels"]:
                pull["labels"].append(label)
        return 200, [{"name": label} for label in pull["labels"]]


@contextlib.contextmanager
def serving(
    token: str,
    monkeypatch: Any = None,
    tmp_path: Any = None,
    *,
    repository: str | None = None,
    limits: str = "retries=1,max_wait=1,backoff=0",
) -> Iterator[FakeGitHub]:
    """A started fake; with `monkeypatch`, the environment airules-pr reads points at it (as a
    workflow step's would, outputs in `tmp_path`). Stopped on exit, and the test fails if the
    fake met a request it could not answer."""
    server = FakeGitHub(token=token)
    server.start()
    try:
        if monkeypatch is not None:
            monkeypatch.setenv("GITHUB_API_URL", server.url)
            monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
            monkeypatch.setenv("GITHUB_TOKEN", token)
            monkeypatch.delenv("GH_TOKEN", raising=False)
            if repository is None:
                monkeypatch.delenv("GITHUB_REPOSITORY", raising=False)
            else:
                monkeypatch.setenv("GITHUB_REPOSITORY", repository)
            monkeypatch.setenv("AIRULES_PR_LIMITS", limits)
            monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "github_output"))
            monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
        yield server
    finally:
        server.stop()
    assert server.errors == []
