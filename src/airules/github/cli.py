"""`airules-pr`: check repositories through the GitHub API and keep one pull request open in
each that brings its editor rules files in line with ai-rules.md; close it when there is
nothing left. One repository (`--repo`), or a whole organisation (`--org`, `--repos`)."""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import sys
import traceback
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from airules import __version__
from airules.config import check_relpath
from airules.engine import State
from airules.errors import FatalError

if TYPE_CHECKING:
    from airules.fetch import Resolvers
    from airules.github.client import GitHub, Limits
    from airules.github.sync import Result

DEFAULT_BRANCH = "airules/sync"
# Internal: how patient to be with GitHub, as `retries=1,max_wait=0,...` (see Limits).
LIMITS_ENV = "AIRULES_PR_LIMITS"

_REPO_RE = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
_OWNER_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")
# What `git check-ref-format --branch` refuses, less the rarer cases GitHub reports itself.
_BAD_BRANCH_RE = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]|\.\.|@\{|//|^[-/.]|[/.]$|\.lock$")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="airules-pr",
        description=(
            "Check GitHub repositories' editor rules files against their ai-rules.md through "
            "the API, and open or update one pull request in each that fixes them."
        ),
        epilog=(
            "The token comes from $GITHUB_TOKEN (or the variable --token-env names), the API "
            "from $GITHUB_API_URL. Exit codes: 0 every repository handled, drift or not; 1 "
            "GitHub refused or failed a request, or the run stopped early; 2 usage or "
            "configuration error."
        ),
    )
    which = parser.add_argument_group("which repositories (default: --repo $GITHUB_REPOSITORY)")
    which.add_argument("--repo", metavar="OWNER/NAME", help="one repository")
    which.add_argument("--org", metavar="OWNER", help="every repository of an organisation or user")
    which.add_argument(
        "--repos", metavar="FILE", help="the repositories in FILE, OWNER/NAME a line"
    )
    which.add_argument(
        "--shard", metavar="I/N", help="only the I-th of N stable parts (for a matrix of N jobs)"
    )
    which.add_argument(
        "--include-archived",
        action="store_true",
        help="with --org: read archived ones too (they are still never written)",
    )
    which.add_argument("--include-forks", action="store_true", help="with --org: include forks")
    parser.add_argument(
        "--base",
        metavar="BRANCH",
        help="the branch to check and to merge into (default: the repository's default branch)",
    )
    parser.add_argument(
        "--branch",
        default=DEFAULT_BRANCH,
        help=f"the branch airules owns and writes (default: {DEFAULT_BRANCH})",
    )
    parser.add_argument("--title", help="the pull request's title")
    parser.add_argument(
        "--body-footer", default="", metavar="MARKDOWN", help="appended to the pull request body"
    )
    parser.add_argument(
        "--label",
        action="append",
        default=[],
        help="a label for the pull request; repeat it, or separate labels with commas",
    )
    parser.add_argument(
        "--config", metavar="PATH", help="the config in the repository (default: .airules.yml)"
    )
    parser.add_argument("--force", action="store_true", help="also overwrite files edited by hand")
    parser.add_argument(
        "--update-includes",
        action="store_true",
        help="also move the pins of `include:` to the commits their refs name now: the new "
        "vendored copies and .airules.lock go into the same pull request",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print what would be done; change nothing"
    )
    parser.add_argument("--report", metavar="PATH", help="write a JSON report of the run to PATH")
    parser.add_argument(
        "--merge-reports",
        nargs="+",
        metavar="REPORT",
        help="read the JSON reports of a matrix's shards and write one summary; no requests",
    )
    parser.add_argument(
        "--token-env",
        default="GITHUB_TOKEN",
        metavar="NAME",
        help="the environment variable holding the token (default: GITHUB_TOKEN)",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def limits_from_env(environ: Mapping[str, str]) -> Limits:
    from airules.github.client import Limits

    spec = environ.get(LIMITS_ENV, "").strip()
    if not spec:
        return Limits()
    defaults = Limits()
    values: dict[str, Any] = {}
    for item in spec.split(","):
        name, _, value = item.strip().partition("=")
        if name in ("request_spacing", "write_spacing"):
            # PyGithub's spacing, which the run's budget replaced: accepted, and ignored.
            continue
        if name not in {f.name for f in dataclasses.fields(Limits)}:
            raise FatalError(f"${LIMITS_ENV}: unknown setting {name!r}")
        kind = type(getattr(defaults, name))
        try:
            values[name] = kind(value)
        except ValueError:
            raise FatalError(f"${LIMITS_ENV}: {name} must be a number, not {value!r}") from None
    return dataclasses.replace(defaults, **values)


def _check_branch(option: str, name: str) -> str:
    if not name or _BAD_BRANCH_RE.search(name):
        raise FatalError(f"{option} {name!r}: not a valid branch name; choose another")
    return name


def _labels(values: Sequence[str]) -> list[str]:
    names = (name.strip() for value in values for name in re.split(r"[,\n]", value))
    return [name for name in dict.fromkeys(names) if name]


def _report(result: Result, *, branch: str, dry_run: bool) -> str:
    wrote = {s.path for s in result.written}
    out = []
    for status in result.statuses:
        if status.state is State.ERROR:
            out.append(f"{status.message}\n")
            continue
        label = status.state.value
        if status.path in wrote and status.delete:
            label += f"; {status.message.split(';')[0]}; deleted on {branch}"
        elif status.path in wrote:
            label += "; overwritten (--force)" if status.state is State.EDITED else ""
            label += f"; fixed on {branch}"
        elif status.state is State.EDITED:
            label += f", left unchanged: {status.message}; move the edit into {result.source}, "
            label += "or rerun with --force to overwrite it"
        out.append(f"{status.path}: {label}\n")
    if any(s.state is State.ERROR for s in result.statuses):
        return "".join(out)
    if result.update is not None:
        from airules.update import report

        out.append(report(result.update))
    if result.message:
        out.append(f"{result.name}: {result.message}\n")
    dry = " (dry run: what would be done; nothing was changed)" if dry_run else ""
    out.append(f"operation: {result.operation}{dry}\n")
    if result.pull is not None:
        out.append(f"pull request: #{result.pull.number} {result.pull.url}\n")
    elif result.operation == "none":
        out.append(f"pull request: none; {result.name} {result.base} matches {result.source}\n")
    if dry_run and result.body:
        out.append(f"--- pull request body ---\n{result.body}")
    return "".join(out)


def _line(result: Result) -> str:
    """One line per repository of a fleet run."""
    text = f"{result.name}: {result.state}"
    if result.pull is not None and result.operation != "none":
        text += f"; pull request {result.operation}: {result.pull.url}"
    elif result.pull is not None:
        text += f"; pull request: {result.pull.url}"
    if result.update is not None:
        from airules.includes import update_summary

        text += "; " + "; ".join(update_summary(result.update).splitlines() or ["includes updated"])
    if result.message:
        text += f"; {result.message}"
    return text + "\n"


def _speculation() -> list[tuple[str, str]]:
    """What the first query asks for before any config is known: the configs, the default
    source, and every editor's default path (a file people write in is read whole; for a
    generated one, its folder's listing gives the blob id)."""
    from airules.config import CONFIG_NAMES, DEFAULT_SOURCE
    from airules.targets import EDITORS

    specs = [("text", name) for name in CONFIG_NAMES] + [("text", DEFAULT_SOURCE)]
    for editor in EDITORS.values():
        specs.append(("text" if editor.shared else "held", editor.path))
    return specs


def _resolvers(token: str) -> Resolvers:
    """Where `--update-includes` resolves includes: the same GitHub (Enterprise) and token as
    the run, built once so every repository including the same ref shares one answer."""
    from airules.fetch import (
        DEFAULT_API_URL,
        DEFAULT_SERVER_URL,
        GitHubResolver,
        GitResolver,
        Resolvers,
    )

    github = GitHubResolver(
        api_url=os.environ.get("GITHUB_API_URL") or DEFAULT_API_URL,
        server_url=os.environ.get("GITHUB_SERVER_URL") or DEFAULT_SERVER_URL,
        token=token,
    )
    return Resolvers(github, GitResolver(dict(os.environ)))


def _one(api: GitHub, settings: Any, repo: str, say: Any, *, dry_run: bool) -> int:
    from airules.github.reader import Options, Reader
    from airules.github.sync import Syncer, plan_batch

    reader = Reader(api, Options(settings.base, settings.branch, settings.config), _speculation())
    snap = reader.read([repo])[repo]
    if snap.skip.startswith("not found"):
        say(
            f"airules-pr: repository {repo} not found (404); check --repo (default "
            "$GITHUB_REPOSITORY), and that the token can see it: a private repository "
            "needs a token with access to it\n",
            sys.stderr,
        )
        return 1
    if snap.skip.startswith("has no branch"):
        say(
            f"airules-pr: branch {settings.base} not found in {repo} (404); check --base\n",
            sys.stderr,
        )
        return 1
    if snap.skip:
        say(f"{snap.name}: skipped: {snap.skip}\n")
        return 0
    if snap.base == settings.branch:
        raise FatalError(
            f"--branch {settings.branch}: is the base branch itself; airules-pr writes to its "
            "branch, so give it one of its own (default: airules/sync)"
        )
    planned = plan_batch(reader, [snap], settings)[snap.name]
    result = Syncer(api, reader, settings).run(snap, planned)
    if result.state == "not configured":
        raise FatalError(
            f".airules.yml: not found on {snap.base} of {snap.name}; commit one that "
            "lists the editors, e.g. `targets: [claude, cursor]`"
        )
    if result.state == "error":
        say(f"airules-pr: {result.message}\n", sys.stderr)
        return 1
    if result.state == "invalid" and not result.statuses:
        raise FatalError(result.message)
    say(_report(result, branch=settings.branch, dry_run=dry_run))
    errors = [s for s in result.statuses if s.state is State.ERROR]
    if errors:
        n = len(errors)
        raise FatalError(
            f"{n} file{'s' if n != 1 else ''} could not be checked (above); fix "
            f"{'them' if n != 1 else 'it'} on {result.base}, then run again"
        )
    from airules.actions import set_outputs

    pull = result.pull
    set_outputs(
        {
            "drift": "true" if result.drift else "false",
            "operation": result.operation,
            "pull-request-number": str(pull.number) if pull else "",
            "pull-request-url": pull.url if pull else "",
            "branch": settings.branch,
        },
        os.environ,
    )
    return 0


def _many(
    api: GitHub,
    settings: Any,
    *,
    org: str | None,
    repos_file: str | None,
    shard: Any,
    archived: bool,
    forks: bool,
    report_path: str | None,
    say: Any,
) -> int:
    from airules.actions import add_summary, set_outputs
    from airules.github import fleet
    from airules.github.reader import Options, Reader
    from airules.github.sync import Syncer

    if org is not None:
        listed = fleet.list_owner(api, org, archived=archived, forks=forks)
    else:
        assert repos_file is not None
        listed = [fleet.Listed(name) for name in fleet.read_repos_file(repos_file)]
    listed = [item for item in listed if fleet.in_shard(item.name, shard)]
    reader = Reader(api, Options(settings.base, settings.branch, settings.config), _speculation())
    run = fleet.run_fleet(
        api,
        reader,
        Syncer(api, reader, settings),
        listed,
        on_result=lambda result: say(_line(result)),
    )
    data = fleet.report(run, api)
    if run.stopped:
        say(
            f"airules-pr: stopped: {run.stopped}; {len(run.not_reached)} repositories not "
            "reached, listed in the report for the next run\n",
            sys.stderr,
        )
    if report_path:
        fleet.write_report(report_path, data)
    add_summary(fleet.summary([data]), os.environ)
    states = [r.state for r in run.results]
    set_outputs(
        {
            "repositories": str(len(listed)),
            "drift": str(sum(s in ("drift", "declined") for s in states)),
            "failed": str(states.count("error")),
        },
        os.environ,
    )
    say(
        f"{len(run.results)} repositories: {api.total} requests, "
        f"{api.counts['content-creating']} content-creating\n"
    )
    return 1 if fleet.failed(data) else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    secrets: set[str] = set()

    def say(text: str, stream: TextIO | None = None) -> None:
        from airules.github.client import redact

        target = sys.stdout if stream is None else stream
        try:
            target.write(redact(text, secrets))
            target.flush()
        except BrokenPipeError:
            pass

    client = None
    try:
        if args.merge_reports:
            from airules.actions import add_summary
            from airules.github import fleet

            reports = fleet.read_reports(args.merge_reports)
            text = fleet.summary(reports)
            add_summary(text, os.environ)
            say(text)
            return 1 if any(fleet.failed(r) for r in reports) else 0
        token = os.environ.get(args.token_env) or None
        if token:
            secrets.add(token)
        chosen = [o for o in ("repo", "org", "repos") if getattr(args, o)]
        if len(chosen) > 1:
            raise FatalError(f"--{chosen[0]} and --{chosen[1]}: give one of them")
        if args.org is not None and not _OWNER_RE.fullmatch(args.org):
            raise FatalError(f"--org {args.org!r}: not an organisation or user name")
        fleet_mode = bool(args.org or args.repos)
        repo = args.repo or ("" if fleet_mode else os.environ.get("GITHUB_REPOSITORY", ""))
        if not fleet_mode and not repo:
            raise FatalError("--repo: not given and $GITHUB_REPOSITORY is not set; name OWNER/NAME")
        if repo and not _REPO_RE.fullmatch(repo):
            raise FatalError(f"--repo {repo!r}: not a repository name; write it as OWNER/NAME")
        if (args.shard or args.report) and not fleet_mode:
            raise FatalError("--shard and --report: go with --org or --repos")
        if token is None:
            # GitHub's GraphQL API, which reads many repositories a query, needs a token even
            # to read a public repository.
            need = (
                "may read the repositories"
                if args.dry_run
                else "may write the repository's contents and pull requests"
            )
            raise FatalError(
                f"${args.token_env}: not set; export a token that {need} (in a workflow: "
                "`GITHUB_TOKEN: ${{ github.token }}` under `env:`), or name another variable "
                "with --token-env"
            )
        branch = _check_branch("--branch", args.branch)
        base = _check_branch("--base", args.base) if args.base else None
        if base is not None and branch == base:
            raise FatalError(
                f"--branch {branch}: is the base branch itself; airules-pr writes to its "
                "branch, so give it one of its own (default: airules/sync)"
            )
        config_path = None
        if args.config:
            try:
                config_path = check_relpath(args.config)
            except ValueError as e:
                raise FatalError(f"--config {args.config!r}: {e}") from None
        from airules.github import fleet
        from airules.github.client import DEFAULT_API_URL, ApiError, GitHub
        from airules.github.sync import Settings

        shard = fleet.parse_shard(args.shard) if args.shard else None
        settings = Settings(
            base=base,
            branch=branch,
            title=args.title,
            footer=args.body_footer,
            labels=tuple(_labels(args.label)),
            config=config_path,
            force=args.force,
            dry_run=args.dry_run,
            includes=_resolvers(token) if args.update_includes else None,
        )
        client = GitHub(
            token=token,
            api_url=os.environ.get("GITHUB_API_URL") or DEFAULT_API_URL,
            limits=limits_from_env(os.environ),
            token_name=args.token_env,
            on_wait=lambda message: say(f"airules-pr: {message}\n", sys.stderr),
            # A matrix's shards share one token's secondary limits.
            share=1 / shard[1] if shard else 1.0,
        )
        try:
            if fleet_mode:
                return _many(
                    client,
                    settings,
                    org=args.org,
                    repos_file=args.repos,
                    shard=shard,
                    archived=args.include_archived,
                    forks=args.include_forks,
                    report_path=args.report,
                    say=say,
                )
            return _one(client, settings, repo, say, dry_run=args.dry_run)
        except ApiError as e:
            say(f"airules-pr: {e}\n", sys.stderr)
            return 1
    except FatalError as e:
        say(f"airules-pr: {e}\n", sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception:
        # A bug, or an error from below PyGithub: keep the traceback, never the token.
        say("".join(traceback.format_exc()), sys.stderr)
        return 1
    finally:
        if client is not None:
            client.close()


if __name__ == "__main__":
    raise SystemExit(main())
