"""The network side of includes: resolve a ref to a commit and download one file, from GitHub's
REST API (standard library HTTP) or from any git repository (the git CLI).

Only `airules-check --update` and `airules-pr --update-includes` import this module; the check
never does. Every answer is size-limited, only HTTPS is spoken (plain HTTP only to 127.0.0.1,
for tests), and the token, read from the environment, goes only into the Authorization header
of requests to the configured API: never into a message, a redirect or a URL.
"""

from __future__ import annotations

import os
import re
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import IO

from airules.errors import FatalError
from airules.includes import MAX_INCLUDE_BYTES, Include

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_SERVER_URL = "https://github.com"
TOKEN_VARS = ("GITHUB_TOKEN", "GH_TOKEN")
TIMEOUT = 30
GIT_TIMEOUT = 300
# An error body is read for its message only.
MAX_ERROR_BYTES = 64 * 1024
_SHA_RE = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


def check_url(url: str, what: str) -> str:
    """`url` without a trailing slash, if airules may speak to it; FatalError otherwise."""
    parts = urllib.parse.urlsplit(url)
    local = parts.scheme == "http" and parts.hostname == "127.0.0.1"
    if not (parts.scheme == "https" or local) or not parts.hostname:
        raise FatalError(
            f"{what} {url!r}: airules fetches includes over https:// only; set it to the "
            "https:// address of your GitHub (Enterprise) server"
        )
    if parts.username or parts.password or parts.query or parts.fragment:
        raise FatalError(f"{what}: must be a plain https:// address, without credentials or query")
    return url.rstrip("/")


def token_from_env(environ: Mapping[str, str]) -> str | None:
    for name in TOKEN_VARS:
        if environ.get(name):
            return environ[name]
    return None


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to an address airules would have asked itself. The token is an
    unredirected header: it goes along only when the redirect stays on the API's own host (a
    renamed repository), never to another."""

    def __init__(self, api_url: str, token: str | None) -> None:
        super().__init__()
        self.api = urllib.parse.urlsplit(api_url)[:2]
        self.token = token

    def redirect_request(  # type: ignore[no-untyped-def]
        self, req, fp, code, msg, headers, newurl
    ):
        check_url(newurl, "a redirect to")
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and self.token and urllib.parse.urlsplit(newurl)[:2] == self.api:
            new.add_unredirected_header("Authorization", f"Bearer {self.token}")
        return new


def _read(response: IO[bytes], limit: int, what: str) -> bytes:
    length = response.headers.get("Content-Length") if hasattr(response, "headers") else None
    if length is not None and length.isdigit() and int(length) > limit:
        raise FatalError(f"{what}: is {length} bytes, over the {limit} airules reads")
    data = response.read(limit + 1)
    if len(data) > limit:
        raise FatalError(f"{what}: is over the {limit} bytes airules reads")
    return data


@dataclass
class GitHubResolver:
    """Includes named OWNER/REPO/PATH@REF, through GitHub's REST API."""

    api_url: str = DEFAULT_API_URL
    server_url: str = DEFAULT_SERVER_URL
    token: str | None = field(default=None, repr=False)
    _opener: urllib.request.OpenerDirector = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.api_url = check_url(self.api_url, "$GITHUB_API_URL")
        self.server_url = check_url(self.server_url, "$GITHUB_SERVER_URL")
        self._opener = urllib.request.build_opener(_Redirects(self.api_url, self.token))

    def _get(self, path: str, accept: str, what: str, limit: int) -> tuple[bytes, str]:
        request = urllib.request.Request(f"{self.api_url}{path}")
        request.add_header("Accept", accept)
        request.add_header("X-GitHub-Api-Version", "2022-11-28")
        request.add_header("User-Agent", "airules")
        if self.token:
            request.add_unredirected_header("Authorization", f"Bearer {self.token}")
        try:
            with self._opener.open(request, timeout=TIMEOUT) as response:
                return _read(response, limit, what), response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as e:
            raise FatalError(self._explain(e, what)) from None
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            raise FatalError(
                f"{what}: {self.api_url} could not be reached ({reason}); check the network "
                "and $GITHUB_API_URL, then run again"
            ) from None

    def _explain(self, e: urllib.error.HTTPError, what: str) -> str:
        import json

        try:
            message = str(json.loads(e.read(MAX_ERROR_BYTES)).get("message", ""))
        except (ValueError, AttributeError, OSError):
            message = ""
        if self.token:
            message = message.replace(self.token, "***")
        said = f" ({message})" if message else ""
        if e.code == 401:
            return f"{what}: GitHub refused the token{said}; check $GITHUB_TOKEN or $GH_TOKEN"
        if e.code in (403, 429) and (
            e.headers.get("X-RateLimit-Remaining") == "0" or "rate limit" in message.lower()
        ):
            return (
                f"{what}: GitHub's rate limit is used up{said}; set $GITHUB_TOKEN (or wait) "
                "and run again"
            )
        if e.code == 404:
            private = "" if self.token else ", or it is private: set $GITHUB_TOKEN or $GH_TOKEN"
            return (
                f"{what}: not found on GitHub; check the owner, repository, path and ref{private}"
            )
        return f"{what}: GitHub answered {e.code}{said}"

    def resolve(self, include: Include) -> str:
        owner, repo = include.repo.split("/")
        path = f"/repos/{_q(owner)}/{_q(repo)}/commits/{_q(include.ref)}"
        # The sha media type answers with the commit's SHA alone.
        # https://docs.github.com/en/rest/commits/commits#get-a-commit
        data, _ = self._get(path, "application/vnd.github.sha", include.spec, 100)
        sha = data.decode("ascii", "replace").strip()
        if not _SHA_RE.fullmatch(sha):
            raise FatalError(f"{include.spec}: GitHub did not answer with a commit for the ref")
        return sha

    def download(self, include: Include, commit: str) -> bytes:
        owner, repo = include.repo.split("/")
        path = (
            f"/repos/{_q(owner)}/{_q(repo)}/contents/{_q(include.path, safe='/')}?ref={_q(commit)}"
        )
        # The raw media type answers with the file's bytes; a folder still comes as JSON.
        # https://docs.github.com/en/rest/repos/contents#get-repository-content
        data, kind = self._get(
            path, "application/vnd.github.raw+json", include.spec, MAX_INCLUDE_BYTES
        )
        # A file comes raw; what still comes as JSON is a folder (a list) or a submodule.
        if kind.split(";")[0].strip() == "application/json":
            if data.lstrip().startswith(b"["):
                raise FatalError(
                    f"{include.spec}: is a folder; an include names one file (folders of rules "
                    "are not supported yet)"
                )
            raise FatalError(f"{include.spec}: is not a file (a submodule?); name a file")
        return data

    def url(self, include: Include) -> str:
        return f"{self.server_url}/{include.repo}"

    def compare_url(self, include: Include, old: str, new: str) -> str | None:
        return f"{self.server_url}/{include.repo}/compare/{old}...{new}"


def _q(value: str, safe: str = "") -> str:
    return urllib.parse.quote(value, safe=safe)


@dataclass
class GitResolver:
    """Includes named URL//PATH@REF, from any git server over HTTPS (or a file:// path), with
    the git CLI: `git ls-remote` to resolve, a shallow fetch of one commit to download."""

    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ), repr=False)

    def _git(self, *args: str, what: str, cwd: str | None = None, limit: int = 1 << 20) -> bytes:
        env = dict(self.environ)
        # No prompt for a password nobody is there to type, and no protocol the config did
        # not name (a redirect to git:// or ext:: is refused by git itself).
        env.update(GIT_TERMINAL_PROMPT="0", GIT_ALLOW_PROTOCOL="https:file")
        try:
            result = subprocess.run(
                ["git", *args], cwd=cwd, env=env, capture_output=True, timeout=GIT_TIMEOUT
            )
        except OSError as e:
            raise FatalError(f"{what}: git could not run ({e.strerror}); install git") from None
        except subprocess.TimeoutExpired:
            raise FatalError(f"{what}: git took over {GIT_TIMEOUT} s; try again") from None
        if result.returncode != 0:
            lines = result.stderr.decode("utf-8", "replace").strip().splitlines()
            said = lines[-1] if lines else f"exit {result.returncode}"
            raise FatalError(f"{what}: git {args[0]} failed ({said})")
        if len(result.stdout) > limit:
            raise FatalError(f"{what}: is over the {limit} bytes airules reads")
        return result.stdout

    def resolve(self, include: Include) -> str:
        if _SHA_RE.fullmatch(include.ref):
            return include.ref
        # A pattern matches ref names from their end; a tag's peeled commit needs its own.
        out = self._git(
            "ls-remote", "--", include.repo, include.ref, f"{include.ref}^{{}}", what=include.spec
        )
        refs: dict[str, str] = {}
        for line in out.decode("utf-8", "replace").splitlines():
            sha, _, name = line.partition("\t")
            refs[name] = sha
        ref = include.ref
        # git's own order: a tag before a branch of the same name; a tag's commit, not the
        # annotated tag object.
        for name in (f"refs/tags/{ref}^{{}}", f"refs/tags/{ref}", f"refs/heads/{ref}", ref):
            if name in refs and _SHA_RE.fullmatch(refs[name]):
                return refs[name]
        raise FatalError(
            f"{include.spec}: {include.repo} has no branch or tag {ref!r}; check the ref"
        )

    def download(self, include: Include, commit: str) -> bytes:
        import tempfile

        what = include.spec
        with tempfile.TemporaryDirectory(prefix="airules-include-") as tmp:
            self._git("init", "-q", "--bare", tmp, what=what)
            self._fetch(include, commit, tmp)
            entry = self._git("ls-tree", "-z", commit, "--", include.path, what=what, cwd=tmp)
            mode, _, rest = entry.decode("utf-8", "replace").partition(" ")
            kind, _, rest = rest.partition(" ")
            if not entry:
                raise FatalError(f"{what}: no such file at commit {commit[:12]}; check the path")
            if kind == "tree":
                raise FatalError(
                    f"{what}: is a folder; an include names one file (folders of rules are not "
                    "supported yet)"
                )
            if kind != "blob" or mode not in ("100644", "100755"):
                raise FatalError(f"{what}: is a symlink or submodule, not a file; name the file")
            blob = rest.partition("\t")[0]
            size = self._git("cat-file", "-s", blob, what=what, cwd=tmp).strip()
            if int(size or 0) > MAX_INCLUDE_BYTES:
                raise FatalError(
                    f"{what}: is {int(size)} bytes, over the {MAX_INCLUDE_BYTES} airules reads"
                )
            return self._git("cat-file", "blob", blob, what=what, cwd=tmp, limit=MAX_INCLUDE_BYTES)

    def _fetch(self, include: Include, commit: str, tmp: str) -> None:
        fetch = ("fetch", "-q", "--depth=1", "--no-tags", "--", include.repo)
        try:
            self._git(*fetch, commit, what=include.spec, cwd=tmp)
            return
        except FatalError:
            # Some servers serve only what a ref names (uploadpack.allowReachableSHA1InWant
            # off): fetch the ref, and make sure it still names the commit resolved.
            if _SHA_RE.fullmatch(include.ref):
                raise
        self._git(*fetch, include.ref, what=include.spec, cwd=tmp)
        fetched = self._git("rev-parse", "FETCH_HEAD^{commit}", what=include.spec, cwd=tmp)
        if fetched.decode().strip() != commit:
            raise FatalError(f"{include.spec}: the ref moved while it was fetched; run again")

    def url(self, include: Include) -> str:
        return include.repo

    def compare_url(self, include: Include, old: str, new: str) -> str | None:
        return None


@dataclass
class Resolvers:
    """Each include to the resolver of its kind; one answer per ref and per file in a run, so
    a fleet of repositories including the same rules asks once."""

    github: GitHubResolver
    git: GitResolver
    _commits: dict[tuple[str, str, str], str] = field(default_factory=dict, repr=False)
    _files: dict[tuple[str, str, str, str], bytes] = field(default_factory=dict, repr=False)

    def _for(self, include: Include) -> GitHubResolver | GitResolver:
        return self.github if include.kind == "github" else self.git

    def resolve(self, include: Include) -> str:
        key = (include.kind, include.repo, include.ref)
        if key not in self._commits:
            self._commits[key] = self._for(include).resolve(include)
        return self._commits[key]

    def download(self, include: Include, commit: str) -> bytes:
        key = (include.kind, include.repo, include.path, commit)
        if key not in self._files:
            self._files[key] = self._for(include).download(include, commit)
        return self._files[key]

    def url(self, include: Include) -> str:
        return self._for(include).url(include)

    def compare_url(self, include: Include, old: str, new: str) -> str | None:
        return self._for(include).compare_url(include, old, new)


def resolvers_from_env(environ: Mapping[str, str]) -> Resolvers:
    """GitHub (Enterprise) from $GITHUB_API_URL / $GITHUB_SERVER_URL, the token from
    $GITHUB_TOKEN or $GH_TOKEN, as Actions sets them."""
    return Resolvers(
        GitHubResolver(
            api_url=environ.get("GITHUB_API_URL") or DEFAULT_API_URL,
            server_url=environ.get("GITHUB_SERVER_URL") or DEFAULT_SERVER_URL,
            token=token_from_env(environ),
        ),
        GitResolver(environ),
    )
