"""The writes: one tree with the files inline, one commit, one ref update, one pull request
call (labels need one more: GitHub's create-pull-request call takes none). Each is a single
REST request; what a lost answer would make us send twice is looked up before it is sent."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from airules.github.client import ApiError, GitHub
from airules.github.reader import Pull, Snapshot

# Hidden in what airules writes, so a later run can tell its own comments and decisions.
CLOSED_MARKER = "<!-- airules:closed -->"


class Writer:
    def __init__(self, api: GitHub, snap: Snapshot) -> None:
        self.api = api
        self.snap = snap
        self.root = f"/repos/{snap.name}"

    def commit(
        self,
        files: Mapping[str, bytes],
        modes: Mapping[str, str],
        parents: Sequence[str],
        message: str,
        deletes: Collection[str] = (),
    ) -> str:
        """One tree on top of the base tree with every file inline and every deleted file as
        an entry whose `sha` is null, then one commit; no author or committer is sent, so
        GitHub signs it as the token's user or app.
        https://docs.github.com/en/rest/git/trees#create-a-tree"""
        entries: list[dict[str, Any]] = [
            {
                "path": path,
                "mode": modes.get(path, "100644"),
                "type": "blob",
                "content": data.decode("utf-8"),
            }
            for path, data in sorted(files.items())
        ]
        entries += [
            {"path": path, "mode": "100644", "type": "blob", "sha": None}
            for path in sorted(deletes)
            if path not in files
        ]
        tree = self.api.rest(
            "POST",
            f"{self.root}/git/trees",
            "creating the tree",
            body={
                "base_tree": self.snap.root,
                "tree": entries,
            },
        )
        commit = self.api.rest(
            "POST",
            f"{self.root}/git/commits",
            "creating the commit",
            body={"message": message, "tree": tree["sha"], "parents": list(parents)},
        )
        return str(commit["sha"])

    def move_branch(self, branch: str, sha: str, *, exists: bool, force: bool = False) -> None:
        if not exists:
            try:
                self.api.rest(
                    "POST",
                    f"{self.root}/git/refs",
                    f"creating branch {branch}",
                    body={"ref": f"refs/heads/{branch}", "sha": sha},
                )
                return
            except ApiError as e:
                # Made since it was read, or by a retried request that had in fact worked.
                if e.status != 422 or "already exists" not in e.said:
                    raise
        self.api.rest(
            "PATCH",
            f"{self.root}/git/refs/heads/{branch}",
            f"{'force-updating' if force else 'updating'} branch {branch}",
            body={"sha": sha, "force": force},
        )

    def create_pull(self, *, base: str, branch: str, title: str, body: str) -> tuple[Pull, bool]:
        """The new pull request and True, or the open one GitHub says exists and False."""
        try:
            data = self.api.rest(
                "POST",
                f"{self.root}/pulls",
                "creating the pull request",
                body={"base": base, "head": branch, "title": title, "body": body},
            )
            return _pull(data), True
        except ApiError as e:
            # Opened since we read, or by a retried request that had in fact worked.
            if e.status != 422 or "already exists" not in e.said:
                raise
        pulls = self.api.rest(
            "GET",
            f"{self.root}/pulls",
            "listing pull requests",
            params={"state": "open", "head": f"{self.snap.owner}:{branch}", "base": base},
        )
        if not pulls:
            raise ApiError(
                f"GitHub says a pull request from {branch} into {base} already exists, but "
                "lists none open; run again"
            )
        return _pull(pulls[0]), False

    def edit_pull(self, pull: Pull, **fields: str) -> None:
        self.api.rest(
            "PATCH",
            f"{self.root}/pulls/{pull.number}",
            f"editing pull request #{pull.number}",
            body=fields,
        )

    def add_labels(self, pull: Pull, labels: Sequence[str]) -> None:
        missing = [label for label in labels if label not in pull.labels]
        if missing:
            self.api.rest(
                "POST",
                f"{self.root}/issues/{pull.number}/labels",
                f"labelling pull request #{pull.number}",
                body={"labels": missing},
            )

    def _commented(self, pull: Pull) -> bool:
        comments = self.api.rest(
            "GET",
            f"{self.root}/issues/{pull.number}/comments",
            f"reading the comments of pull request #{pull.number}",
            params={"per_page": "100"},
        )
        return any(CLOSED_MARKER in str(c.get("body") or "") for c in comments or [])

    def close(self, pull: Pull, comment: str, body: str) -> None:
        """One closing comment, however the answers go: look before posting, and after a
        failed post look again instead of posting blind."""
        if not self._commented(pull):
            try:
                self.api.rest(
                    "POST",
                    f"{self.root}/issues/{pull.number}/comments",
                    f"commenting on pull request #{pull.number}",
                    body={"body": f"{comment}\n{CLOSED_MARKER}\n"},
                    retry=False,
                )
            except ApiError as e:
                if e.status and e.status < 500:
                    raise
                if not self._commented(pull):
                    self.api.rest(
                        "POST",
                        f"{self.root}/issues/{pull.number}/comments",
                        f"commenting on pull request #{pull.number}",
                        body={"body": f"{comment}\n{CLOSED_MARKER}\n"},
                    )
        self.edit_pull(pull, state="closed", body=body)


def _pull(data: Any) -> Pull:
    return Pull(
        number=int(data["number"]),
        url=str(data["html_url"]),
        state=str(data.get("state", "open")).upper(),
        title=str(data.get("title") or ""),
        body=str(data.get("body") or ""),
        base=str((data.get("base") or {}).get("ref", "")),
        head_oid=str((data.get("head") or {}).get("sha", "")),
        labels=frozenset(str(label["name"]) for label in data.get("labels") or []),
    )
