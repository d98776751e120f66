"""One connection to GitHub for a whole run: REST and GraphQL through PyGithub's requester,
retries that tests can shrink, errors turned into sentences that say what to do, and one
rate-limit budget that every repository of the run draws from."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import time
import urllib.parse
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from airules import __version__

if TYPE_CHECKING:
    from github.GithubException import GithubException
    from github.MainClass import Github

DEFAULT_API_URL = "https://api.github.com"
# https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api
# "no more than 80 content-generating requests per minute and no more than 500
# content-generating requests per hour"; GraphQL mutations count too.
WRITES_PER_MINUTE = 80
WRITES_PER_HOUR = 500


class ApiError(Exception):
    """GitHub refused or failed a request; the message says what to do about it."""

    def __init__(self, message: str, *, status: int = 0, said: str = "") -> None:
        super().__init__(message)
        self.status = status
        # What GitHub said, for callers that recognise a refusal (a race, a ruleset).
        self.said = said


class Exhausted(ApiError):
    """The run's budget is spent: stop cleanly, say what was done, let the next run resume."""


@dataclass(frozen=True)
class Limits:
    """How patient airules-pr is with GitHub. Not user options: tests and the bench shrink them."""

    # Retries of one request after a rate limit (429, or 403 saying so) or a 5xx.
    retries: int = 4
    # The most seconds spent waiting between retries over the whole run; a rate limit that
    # asks for longer stops the run instead of holding a CI job for an hour.
    max_wait: float = 300.0
    # The first wait after a 5xx or a dropped connection, doubled on every further retry.
    backoff: float = 2.0
    timeout: int = 30
    # GitHub's secondary limits on content-creating requests, for the whole run. A shard of
    # a matrix gets its share (see `Budget.share`).
    writes_per_minute: float = WRITES_PER_MINUTE
    writes_per_hour: float = WRITES_PER_HOUR
    # The length of GitHub's "minute", so tests can watch the pacing without waiting.
    minute: float = 60.0
    # Stop before the primary limit is reached: keep this many requests (or GraphQL points).
    reserve: int = 20


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
WITHHELD = "[withheld: it held the token]"


def _squash(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def _forms(secret: str) -> list[str]:
    """The ways a token can be written back at us: as is, URL-encoded, and in base64 at any
    alignment (alone, or inside `x-access-token:TOKEN` basic credentials)."""
    forms = {secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret)}
    raw = secret.encode()
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw).decode()
        # Only the groups of 3 bytes that hold nothing but the token's own bytes.
        core = encoded[4 * ((offset + 2) // 3) : 4 * ((offset + len(raw)) // 3)]
        if len(core) >= 8:
            forms.add(core)
    return sorted(forms, key=len, reverse=True)


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` without any secret in it, in any case or encoding. When a secret survives as
    its letters and digits split by other characters, the whole text is withheld."""
    for secret in secrets:
        if not secret:
            continue
        for form in _forms(secret):
            text = re.sub(re.escape(form), "***", text, flags=re.IGNORECASE)
        squashed = _squash(secret)
        if len(squashed) >= 8 and (
            squashed in _squash(text) or squashed in _squash(urllib.parse.unquote(text))
        ):
            return WITHHELD
    return text


def blob_sha(data: bytes) -> str:
    """The id git gives a blob holding `data`: what GitHub reports as a file's oid."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class Budget:
    """Requests left for the run: GitHub's own counters as last reported, and the
    content-creating requests sent, paced under the secondary limits."""

    limits: Limits
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    share: float = 1.0
    rest_remaining: int | None = None
    rest_reset: float | None = None
    graphql_remaining: int | None = None
    graphql_reset: str | None = None
    writes: deque[float] = field(default_factory=deque)
    waited: float = 0.0

    def check(self, *, graphql: bool) -> None:
        remaining = self.graphql_remaining if graphql else self.rest_remaining
        if remaining is not None and remaining <= self.limits.reserve:
            api = "GraphQL" if graphql else "REST"
            when = self.graphql_reset if graphql else _clock_time(self.rest_reset)
            raise Exhausted(
                f"the token's {api} rate limit is nearly spent ({remaining} left); stopped "
                f"before it ran out: run again after {when or 'the hour resets'}"
            )

    def ensure(self, writes: int) -> None:
        """Stop before a repository's writes rather than half way through them."""
        hour = self.limits.minute * 60
        now = self.clock()
        sent = sum(1 for t in self.writes if t > now - hour)
        if sent + writes > self.limits.writes_per_hour * self.share:
            raise Exhausted(
                f"the run sent {sent} content-creating requests this hour and the next "
                f"repository needs {writes}, past GitHub's secondary limit for one token (500 "
                "an hour, shared by a matrix's shards); stopped before GitHub refuses: run "
                "again in an hour to continue"
            )

    def before_write(self) -> None:
        now = self.clock()
        hour = self.limits.minute * 60
        while self.writes and self.writes[0] <= now - hour:
            self.writes.popleft()
        if len(self.writes) >= self.limits.writes_per_hour * self.share:
            raise Exhausted(
                f"the run sent {len(self.writes)} content-creating requests this hour, GitHub's "
                "secondary limit for one token (500 an hour, shared by a matrix's shards); "
                "stopped before GitHub refuses: run again in an hour to continue"
            )
        in_minute = [t for t in self.writes if t > now - self.limits.minute]
        if len(in_minute) >= self.limits.writes_per_minute * self.share:
            wait = in_minute[0] + self.limits.minute * 1.01 - now
            self.waited += wait
            self.sleep(max(0.0, wait))

    def after_write(self) -> None:
        # Counted when the answer is back: GitHub counted it on arrival, no later than that,
        # so the window computed from these times never opens too early.
        self.writes.append(self.clock())

    def saw_rest(self, headers: dict[str, Any]) -> None:
        lower = {k.lower(): str(v).split(",")[-1].strip() for k, v in headers.items()}
        try:
            if "x-ratelimit-remaining" in lower:
                self.rest_remaining = int(lower["x-ratelimit-remaining"])
            if "x-ratelimit-reset" in lower:
                self.rest_reset = float(lower["x-ratelimit-reset"])
        except ValueError:
            pass

    def saw_graphql(self, rate: Any) -> None:
        if isinstance(rate, dict) and isinstance(rate.get("remaining"), int):
            self.graphql_remaining = rate["remaining"]
            self.graphql_reset = str(rate.get("resetAt") or "") or None


def _clock_time(epoch: float | None) -> str:
    if epoch is None:
        return ""
    return time.strftime("%H:%M UTC", time.gmtime(epoch))


def _message(e: GithubException) -> str:
    data = e.data
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return str(data["message"])
    return e.message or ""


def said(e: GithubException) -> str:
    """The status and what GitHub said, with the details of a 422 Validation Failed."""
    text = f"{e.status} {_message(e)}".strip()
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
        text += ": " + "; ".join(details)
    return text


# What GitHub says when a ruleset or a workflow permission refuses a write, and the fix.
RULESET_FIX = (
    "a ruleset of the repository or its organisation refuses this update of the sync "
    "branch; exclude the sync branch (--branch) from the ruleset's target branches, or add "
    "the GitHub App that runs airules-pr to the ruleset's bypass list"
)
WORKFLOW_FIX = (
    "GitHub refuses to let this token create or change files under .github/workflows/; "
    "give the GitHub App the Workflows permission (a personal access token the `workflow` "
    "scope), or keep rules files out of .github/workflows/"
)


class GitHub:
    """Every request goes through `rest` or `graphql`, which retry what is worth retrying,
    count what was sent, keep the run inside its budget, and turn refusals into ApiErrors."""

    def __init__(
        self,
        *,
        token: str | None,
        api_url: str,
        limits: Limits,
        token_name: str = "GITHUB_TOKEN",
        on_wait: Callable[[str], None] = lambda message: None,
        share: float = 1.0,
    ) -> None:
        from github import Auth, Github

        self.api_url = api_url.rstrip("/")
        self.limits = limits
        self.token_name = token_name
        self.on_wait = on_wait
        self.waited = 0.0
        self.secrets = {token} if token else set()
        self.budget = Budget(limits, share=share)
        # Requests sent, by kind ("graphql", "GET", "POST", ...) and content-creating ones.
        self.counts: Counter[str] = Counter()
        _REDACT.secrets.update(self.secrets)
        # A logger's filters see only records made by that logger, not its children's.
        known = ("github.Requester", "github.GithubRetry", "urllib3.connectionpool")
        for name in {*known, *logging.root.manager.loggerDict}:
            if name.split(".")[0] in ("github", "urllib3", "requests"):
                logger = logging.getLogger(name)
                if _REDACT not in logger.filters:
                    logger.addFilter(_REDACT)
        # PyGithub's own retries and spacing are off: this class retries with bounds tests
        # can shrink, and paces content-creating requests for the whole run (Budget).
        self.gh: Github = Github(
            auth=Auth.Token(token) if token else None,
            base_url=self.api_url,
            retry=None,
            timeout=limits.timeout,
            seconds_between_requests=None,
            seconds_between_writes=None,
            user_agent=f"airules-pr/{__version__}",
        )

    def close(self) -> None:
        self.gh.close()

    @property
    def total(self) -> int:
        return sum(v for k, v in self.counts.items() if k != "content-creating")

    def rest(
        self,
        verb: str,
        path: str,
        doing: str,
        *,
        body: Any = None,
        params: dict[str, Any] | None = None,
        not_found: str | None = None,
        retry: bool = True,
    ) -> Any:
        """One REST request (`path` below the API root); its JSON answer."""
        requester = self.gh.requester
        url = self.api_url + path
        creating = verb != "GET"

        def send() -> Any:
            self.budget.check(graphql=False)
            if creating:
                self.budget.before_write()
                self.counts["content-creating"] += 1
            self.counts[verb] += 1
            try:
                headers, data = requester.requestJsonAndCheck(
                    verb, url, parameters=params, input=body
                )
            except Exception as e:
                self.budget.saw_rest(getattr(e, "headers", None) or {})
                raise
            finally:
                if creating:
                    self.budget.after_write()
            self.budget.saw_rest(headers)
            return data

        return self._call(doing, send, not_found=not_found, retry=retry)

    def graphql(self, query: str, doing: str) -> dict[str, Any]:
        """One GraphQL query; its `data`, with the GraphQL errors GitHub reported beside it
        under the key `errors` (a repository not found is an error, not a failed batch)."""
        requester = self.gh.requester

        def send() -> dict[str, Any]:
            self.budget.check(graphql=True)
            self.counts["graphql"] += 1
            try:
                _, answer = requester.requestJsonAndCheck(
                    "POST", requester.graphql_url, input={"query": query}
                )
            except Exception as e:
                self.budget.saw_rest(getattr(e, "headers", None) or {})
                raise
            if not isinstance(answer, dict):
                raise ApiError(f"GitHub answered {doing} with no JSON object")
            data = answer.get("data")
            errors = answer.get("errors") or []
            if data is None:
                messages = "; ".join(str(e.get("message", e)) for e in errors)
                if any(e.get("type") == "RATE_LIMITED" for e in errors if isinstance(e, dict)):
                    raise Exhausted(f"GitHub's GraphQL rate limit stopped {doing} ({messages})")
                raise ApiError(f"GitHub refused {doing} (GraphQL: {messages or 'no data'})")
            self.budget.saw_graphql(data.get("rateLimit"))
            return {**data, "errors": errors}

        result: dict[str, Any] = self._call(doing, send)
        return result

    def _call(
        self, doing: str, fn: Callable[[], Any], *, not_found: str | None = None, retry: bool = True
    ) -> Any:
        from github import GithubException
        from requests import RequestException

        attempt = 0
        while True:
            try:
                return fn()
            except GithubException as e:
                wait, kind = self._wait_for(e, attempt)
                if wait is None or (not retry and kind != "rate limit"):
                    if e.status == 404 and not_found is not None:
                        raise ApiError(not_found, status=404, said=said(e)) from None
                    raise ApiError(self._explain(e, doing), status=e.status, said=said(e)) from None
                text = said(e)
            except RequestException as e:
                if not retry:
                    raise ApiError(
                        self._gave_up("connection", doing, type(e).__name__, 1)
                    ) from None
                wait, kind = self.limits.backoff * 2**attempt, "connection"
                text = type(e).__name__
            if kind == "rate limit" and self.waited + wait > self.limits.max_wait:
                raise Exhausted(
                    f"GitHub's rate limit stopped {doing} ({text}); it asks to wait {wait:.0f} s, "
                    "longer than airules-pr waits: run again later, or use a GitHub App token, "
                    "which has a higher limit"
                )
            if attempt >= self.limits.retries or self.waited + wait > self.limits.max_wait:
                raise ApiError(self._gave_up(kind, doing, text, attempt + 1))
            attempt += 1
            self.on_wait(
                f"GitHub {kind} while {doing} ({text}); retry {attempt} of "
                f"{self.limits.retries} in {wait:.1f} s"
            )
            self.waited += wait
            time.sleep(wait)

    def _wait_for(self, e: GithubException, attempt: int) -> tuple[float | None, str]:
        # A header sent twice arrives joined by a comma: the last one counts.
        headers = {k.lower(): str(v).split(",")[-1].strip() for k, v in (e.headers or {}).items()}
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

    def _gave_up(self, kind: str, doing: str, text: str, tries: int) -> str:
        if kind == "rate limit":
            return (
                f"GitHub kept rate limiting {doing} ({text}) through {tries} tries; run again "
                "later, or use a GitHub App token, which has a higher limit"
            )
        if kind == "connection":
            return (
                f"cannot reach the GitHub API at {self.api_url} while {doing} ({text}, "
                f"{tries} tries); check $GITHUB_API_URL and the network"
            )
        return (
            f"GitHub answered {text} while {doing}, {tries} times in a row; GitHub may be "
            "having trouble (see githubstatus.com): run again later"
        )

    def _explain(self, e: GithubException, doing: str) -> str:
        text = said(e)
        lower = text.lower()
        if e.status == 401:
            return (
                f"GitHub rejected the token while {doing} ({text}); check that "
                f"${self.token_name} holds a valid token that has not expired or been revoked"
            )
        if e.status == 403 and "not permitted to create or approve pull requests" in lower:
            return (
                f'GitHub refused {doing} ({text}); turn on "Allow GitHub Actions to create and '
                'approve pull requests" under Settings > Actions > General > Workflow '
                "permissions of the repository (or its organisation), or give airules-pr a "
                "GitHub App token or a personal access token"
            )
        if "workflow" in lower and ("permission" in lower or "scope" in lower):
            return f"GitHub refused {doing} ({text}); {WORKFLOW_FIX}"
        if e.status == 403 and "archived" in lower:
            return (
                f"GitHub refused {doing} ({text}); the repository is archived, so read-only: "
                "unarchive it, or leave it out of the run"
            )
        if e.status == 403 and "resource not accessible by integration" in lower:
            return (
                f"GitHub refused {doing} ({text}); the token may not write here: give the job "
                "`permissions: contents: write` and `pull-requests: write`, and turn on "
                '"Allow GitHub Actions to create and approve pull requests" under Settings > '
                "Actions > General of the repository (or its organisation)"
            )
        if e.status == 403:
            return (
                f"GitHub refused {doing} ({text}); the token needs write access to the "
                "repository's contents and pull requests"
            )
        if e.status == 404:
            return (
                f"GitHub found nothing while {doing} ({text}); check the names, and that the "
                "token can see the repository (a private one needs a token with access to it)"
            )
        if e.status == 409 and "empty" in lower:
            return f"GitHub refused {doing} ({text}); the repository is empty: push a commit first"
        if e.status == 422 and "repository rule violations" in lower:
            return f"GitHub refused {doing} ({text}); {RULESET_FIX}"
        if e.status == 422 and "protected" in lower:
            return (
                f"GitHub refused {doing} ({text}): a protected branch refuses this update; "
                "give airules-pr a --branch of its own that no branch protection rule matches"
            )
        return f"GitHub refused {doing} ({text})"


def graphql_string(value: str) -> str:
    """`value` as a GraphQL string literal (JSON's escapes are GraphQL's)."""
    import json

    return json.dumps(value)
