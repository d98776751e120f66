"""One run over a batch of repositories: plan each with the engine over its snapshot (asking
GitHub again, for the whole batch at once, when a plan needs more), decide what to do, and do
it in at most four content-creating requests.

The decisions, in order: nothing to write closes our open pull request (one comment, looked up
before it is posted); a pull request a person closed without merging stands until the rules
or the config change (their hash is a hidden marker in the body); a sync branch that already
holds the files is not written again when only the base moved; a merged sync branch starts
again from the base head; everything else is one commit that fast-forwards the sync branch."""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from airules.engine import State, TargetStatus, apply, expand, load_config, plan
from airules.errors import FatalError
from airules.github.client import ApiError, Exhausted, GitHub
from airules.github.reader import Pull, Reader, RemoteTree, Snapshot, Unread, Want
from airules.github.writer import CLOSED_MARKER, Writer

if TYPE_CHECKING:
    from airules.includes import IncludeUpdate, Resolver

# Rounds of "plan, then fetch what the plan asked for" before reading the rest one by one.
ROUNDS = 4
_RULES_RE = re.compile(r"<!-- airules:rules=([0-9a-f]{16}) -->")
# The races GitHub's own bots retry: a ref moved under us, a tree not yet replicated.
_RACES = ("reference update failed", "tree sha does not exist", "not a fast forward")


@dataclass(frozen=True)
class Settings:
    base: str | None
    branch: str
    title: str | None = None
    footer: str = ""
    labels: tuple[str, ...] = ()
    config: str | None = None
    force: bool = False
    dry_run: bool = False
    # `--update-includes`: one resolver for the run, so a fleet asks once per include ref.
    includes: Resolver | None = field(default=None, compare=False)


@dataclass
class Planned:
    tree: RemoteTree
    source: str = ""
    statuses: list[TargetStatus] = field(default_factory=list)
    written: list[TargetStatus] = field(default_factory=list)
    rules: str = ""
    holds: bool | None = None
    # Set when there is nothing to do but say so: "not configured", or a FatalError's text.
    stop: str = ""
    configured: bool = True
    # The pins `--update-includes` moved (or added, or restored), already written to `tree`.
    update: IncludeUpdate | None = None


@dataclass
class Result:
    name: str
    # in sync, drift, closed, declined, skipped, not configured, invalid (its config or a
    # file cannot be used), error (GitHub refused or failed a request)
    state: str
    # created, updated, closed or none (what happened to the pull request)
    operation: str = "none"
    statuses: list[TargetStatus] = field(default_factory=list)
    written: list[TargetStatus] = field(default_factory=list)
    pull: Pull | None = None
    base: str = ""
    source: str = ""
    body: str = ""
    message: str = ""
    requests: int = 0
    update: IncludeUpdate | None = None

    @property
    def drift(self) -> bool:
        return self.update is not None or any(s.needs_fix for s in self.statuses)


def rules_hash(tree: RemoteTree, config_path: str | None, sources: Sequence[str]) -> str:
    digest = hashlib.sha256()
    for path in [config_path or "", *sorted(set(sources))]:
        data = tree.read(path) if path else b""
        digest.update(path.encode() + b"\0" + (data or b"") + b"\0")
    return digest.hexdigest()[:16]


def evaluate(snap: Snapshot, settings: Settings, direct: object = None) -> Planned | Want:
    """The plan for one repository, or what its tree still needs (batch mode)."""
    tree = RemoteTree(snap, direct)
    try:
        config = load_config(tree, settings.config)
        if config is None:
            if tree.want:
                return tree.want
            return Planned(tree, configured=False, stop="no .airules.yml on the base branch")
        update = None
        if settings.includes is not None and config.includes:
            from airules.includes import LOCK_PATH, plan_update, write_update

            # Asked for together, in one round: plan_update takes a lock it cannot read for
            # none at all, and would download an include whose lock the batch has not read.
            for path in [LOCK_PATH, *(i.vendored for i in config.includes if i.remote)]:
                with contextlib.suppress(Unread):
                    tree.read(path)
            if tree.want:
                return tree.want
            # The new vendored copies and lock go into the tree first, so the editor files
            # are planned from them and land in the same commit.
            update = plan_update(tree, config, settings.includes)
            if update.changed:
                write_update(tree, update)
            else:
                update = None
        statuses = plan(tree, config, expand(tree, config))
        if tree.want:
            return tree.want
        if any(s.state is State.ERROR for s in statuses):
            return Planned(tree, config.source, statuses, stop="a file could not be checked")
        written = apply(tree, statuses, force=settings.force)
        sources = [config.source, *(s.source for s in statuses if s.source)]
        if config.includes:
            # Included rules change with their pins: the lock is part of "the rules".
            from airules.includes import LOCK_PATH

            sources.append(LOCK_PATH)
        done = Planned(
            tree,
            config.source,
            statuses,
            written,
            rules_hash(tree, config.path, sources),
            update=update,
        )
        if written or update is not None:
            done.holds = tree.sync_holds()
    except Unread:
        return tree.want
    except FatalError as e:
        if tree.want:
            return tree.want
        return Planned(tree, stop=str(e))
    return tree.want if tree.want else done


def plan_batch(reader: Reader, snaps: Sequence[Snapshot], settings: Settings) -> dict[str, Planned]:
    """Plans for every repository of a batch, asking GitHub once per round for what they need."""
    out: dict[str, Planned] = {}
    pending = [s for s in snaps if not s.skip]
    for _ in range(ROUNDS):
        wants: dict[str, tuple[Snapshot, Want]] = {}
        for snap in pending:
            result = evaluate(snap, settings)
            if isinstance(result, Want):
                wants[snap.name] = (snap, result)
            else:
                out[snap.name] = result
        if not wants:
            return out
        reader.fetch(wants)
        pending = [snap for snap, _ in wants.values()]

    # What is still missing after a few rounds is read as the plan asks for it.
    def direct(snap: Snapshot, want: Want) -> None:
        reader.fetch({snap.name: (snap, want)})

    for snap in pending:
        result = evaluate(snap, settings, direct)
        assert isinstance(result, Planned)
        out[snap.name] = result
    return out


def _neutral(text: str) -> str:
    from airules.markdown import neutralize

    return neutralize(text)


def commit_message(
    written: Sequence[TargetStatus], source: str, update: IncludeUpdate | None = None
) -> str:
    # Commit messages are read by GitHub too: a path or source name cannot mention or close.
    paths = "".join(f"- {_neutral(s.path)}\n" for s in written)
    source = _neutral(source)
    if update is None:
        return (
            f"Sync AI editor rules files with {source}\n\n"
            f"Regenerated by airules-pr from {source}:\n{paths}"
        )
    from airules.includes import LOCK_PATH, update_summary

    lines = update_summary(update).splitlines()
    lines += [f"{path}: restored to its pinned content" for path in update.restored]
    lines += [f"{pin.include}: no longer included" for pin in update.dropped]
    pins = "".join(f"- {_neutral(line)}\n" for line in lines)
    out = f"Update included rules and sync AI editor rules files with {source}\n\n"
    out += f"{LOCK_PATH}, updated by airules-pr --update-includes:\n{pins}"
    if paths:
        out += f"\nRegenerated by airules-pr from {source} and the included rules:\n{paths}"
    return out


def default_title(source: str) -> str:
    return f"Sync AI editor rules files with {_neutral(source)}"


def _declined(pull: Pull, rules: str) -> bool:
    if pull.state != "CLOSED" or CLOSED_MARKER in pull.body:
        return False
    found = _RULES_RE.search(pull.body)
    return found is not None and found.group(1) == rules


class Syncer:
    """Decides and writes, one repository at a time, for a run."""

    def __init__(self, api: GitHub, reader: Reader, settings: Settings) -> None:
        self.api = api
        self.reader = reader
        self.settings = settings

    def run(self, snap: Snapshot, planned: Planned) -> Result:
        before = self.api.total
        try:
            result = self._run(snap, planned, retried=False)
        except Exhausted:
            raise
        except ApiError as e:
            result = Result(snap.name, "error", base=snap.base, message=str(e))
        result.requests = self.api.total - before
        return result

    def _run(self, snap: Snapshot, planned: Planned, *, retried: bool) -> Result:
        try:
            return self._act(snap, planned, retried=retried)
        except ApiError as e:
            if retried or e.status != 422 or not any(r in e.said.lower() for r in _RACES):
                raise
        # A race: read this repository again and do it all once more.
        fresh = self.reader.read([snap.name])[snap.name]

        def direct(s: Snapshot, want: Want) -> None:
            self.reader.fetch({s.name: (s, want)})

        again = evaluate(fresh, self.settings, direct)
        assert isinstance(again, Planned)
        return self._run(fresh, again, retried=True)

    def _act(self, snap: Snapshot, planned: Planned, *, retried: bool) -> Result:
        from airules.markdown import close_comment, pr_body

        s = self.settings
        result = Result(
            snap.name,
            "in sync",
            base=snap.base,
            source=planned.source,
            statuses=planned.statuses,
            written=planned.written,
            update=planned.update,
        )
        if not planned.configured:
            return replace(result, state="not configured", message=planned.stop)
        if planned.stop:
            # The repository's own files are wrong: handled, reported, not a failed request.
            return replace(result, state="invalid", message=planned.stop)
        if s.branch == snap.base:
            return replace(
                result,
                state="error",
                message=f"--branch {s.branch}: is the base branch itself; airules-pr writes to its "
                "branch, so give it one of its own (default: airules/sync)",
            )
        mine = [p for p in snap.pulls if p.base == snap.base]
        open_pull = next((p for p in mine if p.state == "OPEN"), None)
        writer = Writer(self.api, snap)
        if not planned.written and planned.update is None:
            # Nothing for a pull request to change (files edited by hand are left alone).
            if open_pull is None:
                return replace(result, state="drift" if result.drift else "in sync")
            if not s.dry_run:
                comment = close_comment(planned.statuses, source=planned.source, base=snap.base)
                writer.close(open_pull, comment, body=f"{open_pull.body}\n{CLOSED_MARKER}\n")
            return replace(result, state="closed", operation="closed", pull=open_pull)

        latest = mine[0] if mine else None
        if open_pull is None and latest is not None and _declined(latest, planned.rules):
            return replace(
                result,
                state="declined",
                pull=latest,
                message=f"pull request #{latest.number} was closed without merging; airules "
                f"opens another when {planned.source} or the config changes",
            )
        # The rules' hash, hidden: how a later run knows what a declined pull request held.
        from airules.includes import update_body

        moved = update_body(planned.update) + "\n" if planned.update is not None else ""
        body = f"<!-- airules:rules={planned.rules} -->\n{moved}" + pr_body(
            planned.statuses,
            planned.written,
            source=planned.source,
            base=snap.base,
            branch=s.branch,
            footer=s.footer,
        )
        contained = snap.compare in ("BEHIND", "IDENTICAL")
        merged = (
            latest is not None and latest.state == "MERGED" and latest.head_oid == snap.sync_tip
        )
        # A merged sync branch is in the base already: a pull request from it would have
        # "No commits between", so it starts again from the base head.
        fresh = open_pull is None and (contained or merged)
        needs_commit = snap.sync_tip is None or fresh or not planned.holds
        result = replace(result, state="drift", body=body)
        if s.dry_run:
            operation = "created" if open_pull is None else "updated" if needs_commit else "none"
            return replace(result, operation=operation, pull=open_pull)
        labels = [label for label in s.labels if open_pull is None or label not in open_pull.labels]
        self.api.budget.ensure(3 * needs_commit + 1 + bool(labels))
        if needs_commit:
            if snap.sync_tip is None or contained:
                parents = [snap.head]
            elif snap.compare == "AHEAD":
                parents = [snap.sync_tip]
            else:
                # Both tips: the sync branch moves by fast-forward, which rulesets allow.
                parents = [snap.sync_tip, snap.head]
            modes = {path: planned.tree.mode(path) for path in planned.tree.writes}
            sha = writer.commit(
                planned.tree.writes,
                modes,
                parents,
                commit_message(planned.written, planned.source, planned.update),
                deletes=planned.tree.removes,
            )
            try:
                writer.move_branch(s.branch, sha, exists=snap.sync_tip is not None)
            except ApiError as e:
                if not retried or "not a fast forward" not in e.said.lower():
                    raise
                # Only when a fast-forward is impossible, and said.
                writer.move_branch(s.branch, sha, exists=True, force=True)
                result.message = (
                    f"{s.branch} was force-updated: a fast-forward was refused twice, so "
                    "someone else writes to it; give airules-pr a branch of its own"
                )
        created = False
        title = s.title or default_title(planned.source)
        if open_pull is None:
            pull, created = writer.create_pull(
                base=snap.base, branch=s.branch, title=title, body=body
            )
            # "Already exists" for a pull request that was not there when we read: ours,
            # made by a request whose answer was lost.
            created = created or pull.number not in {p.number for p in snap.pulls}
        else:
            pull = open_pull
        if not created:
            edits = {}
            if pull.body != body:
                edits["body"] = body
            if s.title is not None and pull.title != s.title:
                edits["title"] = s.title
            if edits:
                writer.edit_pull(pull, **edits)
        writer.add_labels(pull, s.labels)
        operation = "created" if created else "updated" if needs_commit else "none"
        return replace(result, operation=operation, pull=pull)
