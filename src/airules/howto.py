"""What to tell a person to run, given how airules is running now.

Someone using only the pre-commit framework has no `airules-check` command; in the GitHub
Action the fix happens in a checkout or a pull request, not in the job. pre-commit sets
`PRE_COMMIT=1` for every hook it runs (pre_commit/commands/run.py); GitHub Actions sets
`GITHUB_ACTIONS=true` (https://docs.github.com/en/actions/reference/variables-reference).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from airules.render import FIX_COMMAND

PRE_COMMIT_FIX = "pre-commit run airules-fix --all-files"


@dataclass(frozen=True)
class HowTo:
    # Each is a clause that follows "; " in a closing line.
    fix: str
    force: str
    prune: str


LOCAL = HowTo(
    fix=f"run `{FIX_COMMAND}`",
    force="or add --force to overwrite it",
    prune=f"run `{FIX_COMMAND} --prune`",
)
PRE_COMMIT = HowTo(
    fix=(
        f"run `{PRE_COMMIT_FIX}` (without an `airules-fix` hook in .pre-commit-config.yaml, "
        "add `- id: airules-fix` next to `airules-check`)"
    ),
    force="or delete the airules block (or the generated file) and run that hook again",
    prune="delete them with `git rm` (or remove their airules block) and commit",
)
ACTIONS = HowTo(
    fix=(
        f"run `{FIX_COMMAND}` in a checkout and push the result, or give this Action "
        "`mode: pull-request` to have airules open a pull request with the fix"
    ),
    force=f"or run `{FIX_COMMAND} --force` in a checkout",
    prune=f"run `{FIX_COMMAND} --prune` in a checkout and push the result",
)


def how_to(environ: Mapping[str, str]) -> HowTo:
    if environ.get("PRE_COMMIT") == "1":
        return PRE_COMMIT
    if environ.get("GITHUB_ACTIONS") == "true":
        return ACTIONS
    return LOCAL
