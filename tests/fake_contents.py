"""A small fake of the two GitHub REST endpoints included rules are fetched with, over real
HTTP on 127.0.0.1: get a commit with the `sha` media type, and get repository content with the
`raw` media type. Repositories hold commits of whole file sets; refs move as tests commit.

https://docs.github.com/en/rest/commits/commits#get-a-commit
https://docs.github.com/en/rest/repos/contents#get-repository-content
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit


@dataclass
class Repo:
    private: bool = False
    refs: dict[str, str] = field(default_factory=dict)
    commits: dict[str, dict[str, bytes]] = field(default_factory=dict)


class FakeContents:
    def __init__(self, token: str | None = None) -> None:
        self.token = token
        self.repos: dict[str, Repo] = {}
        # (method, path, headers) of every request, for asserting on what was sent.
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        # path -> (status, Location): answer with a redirect instead.
        self.redirects: dict[str, str] = {}
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    def commit(self, repo: str, files: dict[str, str | bytes], *refs: str) -> str:
        """A new commit holding exactly `files`; every ref in `refs` (default main) moves to it."""
        with self.lock:
            state = self.repos.setdefault(repo, Repo())
            data = {k: v.encode() if isinstance(v, str) else v for k, v in files.items()}
            seed = repr((repo, len(state.commits), sorted(data.items()))).encode()
            sha = hashlib.sha1(seed).hexdigest()
            state.commits[sha] = data
            for ref in refs or ("main",):
                state.refs[ref] = sha
            return sha

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                fake.handle(self)

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: object, client_address: object) -> None:
                # A client that stops reading early (a size limit at work) is no error here.
                import sys

                if not isinstance(sys.exc_info()[1], ConnectionError):
                    super().handle_error(request, client_address)  # type: ignore[arg-type]

        self.server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    # -- answering ---------------------------------------------------------------------------

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        url = urlsplit(h.path)
        with self.lock:
            self.requests.append(("GET", h.path, dict(h.headers.items())))
        if url.path in self.redirects:
            h.send_response(301)
            h.send_header("Location", self.redirects[url.path])
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        parts = [unquote(p) for p in url.path.split("/")]
        if len(parts) < 6 or parts[1] != "repos":
            return self.error(h, 404, "Not Found")
        repo = self.repos.get(f"{parts[2]}/{parts[3]}")
        auth = h.headers.get("Authorization")
        if self.token is not None and auth is not None and auth != f"Bearer {self.token}":
            # GitHub does not echo tokens; this fake does, to prove airules hides them.
            return self.error(h, 401, f"Bad credentials: {auth}")
        if repo is None or (repo.private and auth is None):
            return self.error(h, 404, "Not Found")
        accept = h.headers.get("Accept", "")
        if parts[4] == "commits":
            ref = "/".join(parts[5:])
            sha = ref if ref in repo.commits else repo.refs.get(ref)
            if sha is None:
                return self.error(h, 422, f"No commit found for SHA: {ref}")
            if accept != "application/vnd.github.sha":
                return self.error(h, 415, "this fake answers the sha media type only")
            return self.send(h, 200, sha.encode(), "application/vnd.github.sha")
        if parts[4] == "contents":
            path = "/".join(parts[5:])
            ref = parse_qs(url.query).get("ref", ["main"])[0]
            sha = ref if ref in repo.commits else repo.refs.get(ref)
            if sha is None:
                return self.error(h, 404, f"No commit found for the ref {ref}")
            files = repo.commits[sha]
            if path in files:
                if accept != "application/vnd.github.raw+json":
                    return self.error(h, 415, "this fake answers the raw media type only")
                return self.send(h, 200, files[path], "application/vnd.github.raw")
            below = sorted(p for p in files if p.startswith(path + "/"))
            if below:
                listing = [{"type": "file", "path": p, "name": p.rsplit("/", 1)[-1]} for p in below]
                return self.send(h, 200, json.dumps(listing).encode(), "application/json")
            return self.error(h, 404, "Not Found")
        return self.error(h, 404, "Not Found")

    def send(self, h: BaseHTTPRequestHandler, status: int, body: bytes, kind: str) -> None:
        h.send_response(status)
        h.send_header("Content-Type", f"{kind}; charset=utf-8")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    def error(self, h: BaseHTTPRequestHandler, status: int, message: str) -> None:
        body = {"message": message, "documentation_url": "https://docs.github.com/rest"}
        self.send(h, status, json.dumps(body).encode(), "application/json")
