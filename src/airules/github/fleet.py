"""Many repositories in one run: which ones (`--org`, `--repos`, `--shard`), the batches they
are read in, and what the run leaves behind (the JSON report, the Markdown summary)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from airules.engine import State, TargetStatus
from airules.errors import FatalError
from airules.github.client import Exhausted, GitHub, graphql_string
from airules.github.reader import Reader
from airules.github.sync import Result, Syncer, plan_batch

REPO_RE = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
# Repositories per query: GitHub's limits are 500,000 nodes and 10 seconds a query; each
# repository here costs about 260 nodes, so the time limit is the one that decides.
BATCH = 50
# The first batch is small: it teaches the reader which paths this organisation's configs use.
FIRST_BATCH = 10


@dataclass
class Listed:
    name: str
    skip: str = ""


def parse_shard(value: str) -> tuple[int, int]:
    found = re.fullmatch(r"([0-9]+)/([0-9]+)", value.strip())
    if not found or not 1 <= int(found.group(1)) <= int(found.group(2)):
        raise FatalError(f"--shard {value!r}: write it as I/N with 1 <= I <= N, e.g. 1/4")
    return int(found.group(1)), int(found.group(2))


def in_shard(name: str, shard: tuple[int, int] | None) -> bool:
    """A stable split: the same repository lands in the same shard on every run."""
    if shard is None:
        return True
    index, count = shard
    digest = hashlib.sha256(name.lower().encode()).digest()
    return int.from_bytes(digest[:8], "big") % count == index - 1


def read_repos_file(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise FatalError(f"--repos {path}: cannot be read ({e.strerror})") from None
    except UnicodeDecodeError:
        raise FatalError(f"--repos {path}: is not UTF-8 text") from None
    names = []
    for number, line in enumerate(lines, 1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        if not REPO_RE.fullmatch(text):
            raise FatalError(f"{path}:{number}: {text!r} is not OWNER/NAME; one repository a line")
        names.append(text)
    return list(dict.fromkeys(names))


def list_owner(api: GitHub, owner: str, *, archived: bool, forks: bool) -> list[Listed]:
    """Every repository an organisation or user owns, 100 a query."""
    out: list[Listed] = []
    after = "null"
    while True:
        data = api.graphql(
            f"query {{ owner: repositoryOwner(login: {graphql_string(owner)}) {{ "
            f"repositories(first: 100, after: {after}, ownerAffiliations: [OWNER], "
            "orderBy: {field: NAME, direction: ASC}) { pageInfo { hasNextPage endCursor } "
            "nodes { nameWithOwner isArchived isFork isDisabled isEmpty } } } "
            "rateLimit { cost remaining resetAt } }",
            f"listing the repositories of {owner}",
        )
        found = data.get("owner")
        if found is None:
            raise FatalError(
                f"--org {owner}: no such organisation or user, or the token cannot see it"
            )
        page = found["repositories"]
        for node in page["nodes"] or []:
            skip = ""
            if node["isArchived"] and not archived:
                skip = "archived (add --include-archived to read it)"
            elif node["isFork"] and not forks:
                skip = "a fork (add --include-forks to include it)"
            out.append(Listed(node["nameWithOwner"], skip))
        if not page["pageInfo"]["hasNextPage"]:
            return out
        after = graphql_string(page["pageInfo"]["endCursor"])


@dataclass
class Run:
    results: list[Result] = field(default_factory=list)
    not_reached: list[str] = field(default_factory=list)
    stopped: str = ""


def run_fleet(
    api: GitHub,
    reader: Reader,
    syncer: Syncer,
    listed: Sequence[Listed],
    *,
    on_result: Callable[[Result], None] = lambda result: None,
) -> Run:
    run = Run()
    for item in listed:
        if item.skip:
            result = Result(item.name, "skipped", message=item.skip)
            run.results.append(result)
            on_result(result)
    todo = [item.name for item in listed if not item.skip]
    size = FIRST_BATCH
    while todo:
        batch, todo = todo[:size], todo[size:]
        size = BATCH
        try:
            snaps = reader.read(batch)
            plans = plan_batch(reader, list(snaps.values()), syncer.settings)
        except Exhausted as e:
            run.stopped = str(e)
            run.not_reached = [*batch, *todo]
            return run
        reader.learn(snaps.values())
        for index, name in enumerate(batch):
            snap = snaps[name]
            if snap.skip:
                result = Result(snap.name, "skipped", message=snap.skip)
            else:
                try:
                    result = syncer.run(snap, plans[snap.name])
                except Exhausted as e:
                    run.stopped = str(e)
                    run.not_reached = [*batch[index:], *todo]
                    return run
            run.results.append(result)
            on_result(result)
    return run


_JSON_STATE = {
    State.OK: "ok",
    State.MISSING: "missing",
    State.DRIFTED: "drifted",
    State.EDITED: "edited",
    State.ERROR: "error",
}


def _targets(statuses: Iterable[TargetStatus], written: Iterable[TargetStatus]) -> list[Any]:
    wrote = {s.path for s in written}
    return [
        {"path": s.path, "state": _JSON_STATE[s.state], "written": s.path in wrote}
        for s in statuses
    ]


def report(run: Run, api: GitHub) -> dict[str, Any]:
    return {
        "version": 1,
        "repositories": [
            {
                "repository": r.name,
                "state": r.state,
                "operation": r.operation,
                "pull_request": r.pull.url if r.pull else None,
                "targets": _targets(r.statuses, r.written),
                "message": r.message,
                "requests": r.requests,
            }
            for r in run.results
        ],
        "not_reached": run.not_reached,
        "stopped": run.stopped or None,
        "requests": dict(sorted(api.counts.items())),
    }


def failed(data: dict[str, Any]) -> bool:
    return bool(data.get("stopped")) or any(
        r["state"] == "error" for r in data.get("repositories", [])
    )


def summary(reports: Sequence[dict[str, Any]]) -> str:
    """The Markdown fleet summary, from one report or the reports of every shard."""
    from airules.markdown import code, text

    repos = [r for data in reports for r in data.get("repositories", [])]
    not_reached = [n for data in reports for n in data.get("not_reached", [])]
    counts: dict[str, int] = {}
    for data in reports:
        for kind, n in (data.get("requests") or {}).items():
            counts[kind] = counts.get(kind, 0) + int(n)
    states: dict[str, int] = {}
    for r in repos:
        states[r["state"]] = states.get(r["state"], 0) + 1
    head = ", ".join(f"{n} {state}" for state, n in sorted(states.items()))
    out = [f"### airules across {len(repos) + len(not_reached)} repositories\n\n{head or 'none'}\n"]
    requests = sum(n for kind, n in counts.items() if kind != "content-creating")
    out.append(
        f"\n{requests} requests to GitHub, {counts.get('content-creating', 0)} of them "
        "content-creating.\n"
    )
    for data in reports:
        if data.get("stopped"):
            out.append(f"\n**Stopped early:** {text(str(data['stopped']))}\n")
    if not_reached:
        out.append(f"\nNot reached, for the next run: {', '.join(code(n) for n in not_reached)}\n")
    shown = [r for r in repos if r["state"] not in ("in sync",)]
    if shown:
        out.append("\n| Repository | State | Pull request | Detail |\n| --- | --- | --- | --- |\n")
        for r in shown:
            pull = (
                f"[{r['operation']}]({r['pull_request']})" if r["pull_request"] else r["operation"]
            )
            out.append(
                f"| {code(r['repository'], cell=True)} | {r['state']} | {pull} | "
                f"{text(r['message'])} |\n"
            )
    return "".join(out)


def write_report(path: str, data: dict[str, Any]) -> None:
    try:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=2)
            f.write("\n")
    except OSError as e:
        raise FatalError(f"--report {path}: cannot be written ({e.strerror})") from None


def read_reports(paths: Sequence[str]) -> list[dict[str, Any]]:
    out = []
    for path in paths:
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, ValueError) as e:
            raise FatalError(f"{path}: not a report airules-pr wrote ({e})") from None
        if not isinstance(data, dict) or data.get("version") != 1:
            raise FatalError(f"{path}: not a report airules-pr wrote (no version 1)")
        out.append(data)
    return out
