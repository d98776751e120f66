"""GitHub's GraphQL API for the fake: every query is validated against GitHub's published
schema (the `@octokit/graphql-schema` npm package, installed by `.ci/run` into `.cache/`) and
executed with graphql-core over the fake's state. GitHub's own rules on top of the schema's:
every connection needs `first` or `last` between 1 and 100, a query asks for at most 500,000
nodes, and `rateLimit` reports the cost, as documented in
https://docs.github.com/en/graphql/overview/rate-limits-and-query-limits-for-the-graphql-api"""

from __future__ import annotations

import json
import math
import os
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    build_client_schema,
    execute,
    get_named_type,
    parse,
    validate,
)

if TYPE_CHECKING:
    from fake_github import FakeGitHub, Repo

SCHEMA_VERSION = "15.26.1"
SCHEMA = (
    Path(__file__).resolve().parent.parent
    / ".cache/graphql-schema/node_modules/@octokit/graphql-schema/schema.json"
)
NODE_LIMIT = 500_000


@cache
def schema() -> GraphQLSchema:
    path = Path(os.environ.get("AIRULES_GRAPHQL_SCHEMA", SCHEMA))
    if not path.exists():
        raise RuntimeError(
            f"{path}: GitHub's GraphQL schema is missing; install it with `npm install "
            f"--prefix .cache/graphql-schema @octokit/graphql-schema@{SCHEMA_VERSION}` "
            "(.ci/run does)"
        )
    data = json.loads(path.read_text())
    # GitHub's schema breaks a few of graphql-core's own rules on deprecations; queries are
    # still validated against it in full.
    return build_client_schema(data.get("data", data), assume_valid=True)


def _connections(
    node: Any, parent: Any, doc: Any, multiplier: int, errors: list[str]
) -> tuple[int, int]:
    """(nodes, connection requests) below `node` of type `parent`, counted as GitHub's docs
    count them: every connection multiplies what is below it by its `first` or `last`."""
    nodes = requests = 0
    selections = getattr(getattr(node, "selection_set", None), "selections", None) or []
    for sel in selections:
        if isinstance(sel, FragmentSpreadNode):
            frag = doc[sel.name.value]
            n, r = _connections(
                frag, schema().get_type(frag.type_condition.name.value), doc, multiplier, errors
            )
        elif isinstance(sel, InlineFragmentNode):
            here = (
                schema().get_type(sel.type_condition.name.value) if sel.type_condition else parent
            )
            n, r = _connections(sel, here, doc, multiplier, errors)
        elif isinstance(sel, FieldNode):
            name = sel.name.value
            field = getattr(parent, "fields", {}).get(name)
            if field is None:
                continue
            kind = get_named_type(field.type)
            args = {a.name.value: a.value for a in sel.arguments or []}
            if kind.name.endswith("Connection"):
                size = args.get("first") or args.get("last")
                if not isinstance(size, IntValueNode):
                    errors.append(
                        f"You must provide a `first` or `last` value to properly paginate "
                        f"the `{name}` connection."
                    )
                    continue
                count = int(size.value)
                if not 1 <= count <= 100:
                    errors.append(
                        f"Requesting {count} records on the `{name}` connection exceeds the "
                        "`first` limit of 100 records."
                    )
                    continue
                n, r = _connections(sel, kind, doc, multiplier * count, errors)
                n += multiplier * count
                r += multiplier
            else:
                n, r = _connections(sel, kind, doc, multiplier, errors)
        else:
            continue
        nodes += n
        requests += r
    return nodes, requests


def run(fake: FakeGitHub, body: Any) -> dict[str, Any]:
    query = body.get("query", "") if isinstance(body, dict) else ""
    try:
        doc = parse(query)
    except GraphQLError as e:
        return {"errors": [{"message": e.message}]}
    errors = validate(schema(), doc)
    if errors:
        return {"errors": [{"message": e.message} for e in errors]}
    fragments = {
        d.name.value: d for d in doc.definitions if not isinstance(d, OperationDefinitionNode)
    }
    limit_errors: list[str] = []
    nodes = requests = 0
    for op in doc.definitions:
        if isinstance(op, OperationDefinitionNode):
            if op.operation.value != "query":
                fake.mutations += 1
            top = schema().query_type if op.operation.value == "query" else schema().mutation_type
            n, r = _connections(op, top, fragments, 1, limit_errors)
            nodes, requests = nodes + n, requests + r
    if limit_errors:
        return {
            "errors": [
                {"message": m, "type": "MISSING_PAGINATION_BOUNDARIES"} for m in limit_errors
            ]
        }
    if nodes > NODE_LIMIT:
        return {
            "errors": [
                {
                    "message": f"This query requests up to {nodes} nodes which exceeds the "
                    f"maximum limit of {NODE_LIMIT}.",
                    "type": "MAX_NODE_LIMIT_EXCEEDED",
                }
            ]
        }
    cost = max(1, math.ceil(requests / 100))
    fake.graphql_cost += cost
    fake.graphql_remaining -= cost
    fake.query_nodes.append(nodes)
    root = Root(fake, cost, nodes)
    result = execute(schema(), doc, root_value=root.value(), variable_values=body.get("variables"))
    out: dict[str, Any] = {"data": result.data}
    if result.errors:
        out["errors"] = [
            {
                "message": e.message,
                "path": e.path,
                **(
                    {"type": e.extensions["type"]}
                    if e.extensions and "type" in e.extensions
                    else {}
                ),
            }
            for e in result.errors
        ]
        unexpected = [e for e in result.errors if not (e.extensions and "type" in e.extensions)]
        for e in unexpected:
            fake.errors.append(f"graphql: {e.message} at {e.path}: {e.original_error!r}")
    return out


class Root:
    def __init__(self, fake: FakeGitHub, cost: int, nodes: int) -> None:
        self.fake = fake
        self.cost = cost
        self.nodes = nodes

    def value(self) -> dict[str, Any]:
        return {
            "repository": self.repository,
            "repositoryOwner": self.owner,
            "rateLimit": {
                "cost": self.cost,
                "limit": 5000,
                "nodeCount": self.nodes,
                "remaining": self.fake.graphql_remaining,
                "used": 5000 - self.fake.graphql_remaining,
                "resetAt": "2026-12-02T10:00:00Z",
            },
        }

    def repository(self, info: Any, owner: str, name: str, **_: Any) -> Any:
        repo = self.fake.repos.get(f"{owner}/{name}")
        if repo is None:
            raise GraphQLError(
                f"Could not resolve to a Repository with the name '{owner}/{name}'.",
                extensions={"type": "NOT_FOUND"},
            )
        return Nodes(self.fake, repo).repository()

    def owner(self, info: Any, login: str) -> Any:
        names = sorted((n for n, r in self.fake.repos.items() if r.owner == login), key=str.lower)
        if not names:
            return None

        def repositories(info: Any, first: int = 100, after: str | None = None, **_: Any) -> Any:
            start = int(after) if after else 0
            page = names[start : start + first]
            return {
                "pageInfo": {
                    "hasNextPage": start + first < len(names),
                    "endCursor": str(start + first),
                },
                "nodes": [Nodes(self.fake, self.fake.repos[n]).repository() for n in page],
            }

        return {"__typename": "Organization", "login": login, "repositories": repositories}


class Nodes:
    """The GraphQL view of one fake repository."""

    def __init__(self, fake: FakeGitHub, repo: Repo) -> None:
        self.fake = fake
        self.repo = repo

    def repository(self) -> dict[str, Any]:
        r = self.repo
        empty = not r.refs
        return {
            "name": r.name,
            "nameWithOwner": r.full_name,
            "isArchived": r.archived,
            "isDisabled": r.disabled,
            "isEmpty": empty,
            "isFork": r.fork,
            "isLocked": False,
            "defaultBranchRef": (
                lambda info: None if empty else self.ref(f"heads/{r.default_branch}")
            ),
            "ref": lambda info, qualifiedName: self.ref(qualifiedName.removeprefix("refs/")),
            "object": self.object_field,
            "pullRequests": self.pull_requests,
        }

    def ref(self, ref: str) -> dict[str, Any] | None:
        sha = self.repo.refs.get(ref)
        if sha is None:
            return None

        def compare(info: Any, headRef: str) -> Any:
            head = self.repo.refs.get(f"heads/{headRef}")
            if head is None:
                return None
            ahead = self.fake.ahead(self.repo, head, sha)
            behind = self.fake.ahead(self.repo, sha, head)
            status = (
                "IDENTICAL"
                if not ahead and not behind
                else "AHEAD"
                if not behind
                else "BEHIND"
                if not ahead
                else "DIVERGED"
            )
            return {"status": status, "aheadBy": ahead, "behindBy": behind}

        return {"name": ref.split("/", 1)[1], "target": self.commit(sha), "compare": compare}

    def object_field(self, info: Any, oid: str | None = None, expression: str | None = None) -> Any:
        if oid is not None:
            return self.node(oid)
        if expression is not None:
            rev, _, path = expression.partition(":")
            sha = self.repo.refs.get(f"heads/{rev}") or (rev if rev in self.repo.objects else None)
            if sha is None:
                return None
            entry = self.lookup(self.fake.commit_tree(self.repo, sha), path)
            return self.node(entry[1]) if entry else None
        return None

    def node(self, sha: str) -> Any:
        kind = self.repo.objects.get(sha, ("", b""))[0]
        if kind == "commit":
            return self.commit(sha)
        if kind == "tree":
            return self.tree(sha)
        if kind == "blob":
            return self.blob(sha)
        return None

    def lookup(self, tree: str, path: str) -> tuple[str, str] | None:
        """(mode, sha) of `path` in `tree`, walked one name at a time."""
        if not path:
            return ("40000", tree)
        entry: tuple[str, str] | None = ("40000", tree)
        for name in path.split("/"):
            if entry is None or entry[0] != "40000":
                return None
            entry = self.fake.tree_entries(self.repo, entry[1]).get(name)
        return entry

    def commit(self, sha: str) -> dict[str, Any]:
        fields = self.fake.commit_fields(self.repo, sha)
        tree = fields["tree"]

        def file(info: Any, path: str) -> Any:
            entry = self.lookup(tree, path.strip("/"))
            if entry is None or not path.strip("/"):
                return None
            return self.entry(path.strip("/").rsplit("/", 1)[-1], path.strip("/"), *entry)

        return {
            "__typename": "Commit",
            "oid": sha,
            "message": fields["message"],
            "tree": self.tree(tree),
            "file": file,
            "parents": lambda info, first=None, **_: {
                "nodes": [self.commit(p) for p in fields["parents"][:first]]
            },
        }

    def tree(self, sha: str) -> dict[str, Any]:
        return {
            "__typename": "Tree",
            "oid": sha,
            "entries": lambda info: [
                self.entry(name, name, mode, s)
                for name, (mode, s) in self.fake.tree_entries(self.repo, sha).items()
            ],
        }

    def entry(self, name: str, path: str, mode: str, sha: str) -> dict[str, Any]:
        kind = {"40000": "tree", "160000": "commit"}.get(mode, "blob")
        size = len(self.repo.objects[sha][1]) if kind == "blob" else 0
        size = self.fake.claimed_size or size
        return {
            "name": name,
            "path": path,
            "mode": int(mode, 8),
            "type": kind,
            "oid": sha,
            "size": size,
            "object": lambda info: self.node(sha) if kind != "commit" else None,
        }

    def blob(self, sha: str) -> dict[str, Any]:
        data = self.repo.objects[sha][1]
        binary = b"\0" in data
        try:
            text = None if binary else data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("utf-8", "replace")
        truncated = text is not None and len(data) > self.fake.text_limit
        if truncated and text is not None:
            text = text[: self.fake.text_limit]
        return {
            "__typename": "Blob",
            "oid": sha,
            "byteSize": len(data),
            "isBinary": binary,
            "isTruncated": truncated,
            "text": lambda info: self.served(sha, text),
        }

    def served(self, sha: str, text: str | None) -> str | None:
        self.fake.blobs_read.append(sha)
        return text

    def pull_requests(
        self,
        info: Any,
        first: int | None = None,
        last: int | None = None,
        headRefName: str | None = None,
        states: list[str] | None = None,
        orderBy: Any = None,
        **_: Any,
    ) -> Any:
        r = self.repo
        pulls = [p for p in r.pulls if headRefName is None or p["head"] == headRefName]
        pulls = sorted(pulls, key=lambda p: p["number"], reverse=True)
        nodes = []
        for p in pulls[: first or last]:
            state = "MERGED" if p.get("merged") else p["state"].upper()
            if states and state not in states:
                continue
            nodes.append(
                {
                    "number": p["number"],
                    "url": f"{self.fake.root}/{r.full_name}/pull/{p['number']}",
                    "state": state,
                    "merged": bool(p.get("merged")),
                    "closed": state != "OPEN",
                    "title": p["title"],
                    "body": p["body"],
                    "baseRefName": p["base"],
                    "headRefName": p["head"],
                    "headRefOid": p.get("head_sha") or r.refs.get(f"heads/{p['head']}", "0" * 40),
                    "isCrossRepository": bool(p.get("fork")),
                    "labels": lambda info, first=None, _p=p, **_: {
                        "nodes": [{"name": n} for n in _p["labels"][:first]]
                    },
                }
            )
        return {"nodes": nodes, "totalCount": len(nodes)}
