"""`airules-pr --update-includes`: the pins of `include:` moved through the API, in the one pull
request per repository, against the fake GitHub on 127.0.0.1 (which serves the central rules
repository's commits and contents too)."""

from __future__ import annotations

import json

import pytest
from fake_github import FakeGitHub, serving

from airules.github.cli import main
from airules.markdown import neutralize

TOKEN = "ghs_Include0Token1For2Tests3Only4q"
FAST = "retries=1,max_wait=1,backoff=0"
CENTRAL = "acme/central"
INCLUDE = "acme/central/security.md@main"
VENDORED = ".airules/include/github/acme/central/security.md"
BRANCH = "airules/sync"
REPOS = ["acme/api", "acme/web", "acme/docs"]
# As pull request bodies and commit messages show it: `@main` mentions nobody.
SHOWN = neutralize(INCLUDE)
CONFIG = f"targets: [claude, agents]\ninclude:\n  - {INCLUDE}\n"


@pytest.fixture
def fake(monkeypatch, tmp_path):
    with serving(TOKEN, monkeypatch, tmp_path, limits=FAST) as server:
        yield server


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    assert TOKEN not in out + err
    return code, out, err


def central_head(fake: FakeGitHub) -> str:
    return fake.repos[CENTRAL].refs["heads/main"]


def commit_message(fake: FakeGitHub, repo: str, branch: str) -> str:
    r = fake.repos[repo]
    return str(fake.commit_fields(r, r.refs[f"heads/{branch}"])["message"])


def asked(fake: FakeGitHub, what: str) -> int:
    return sum(1 for _, path in fake.requests if path.startswith(f"/repos/{CENTRAL}/{what}/"))


@pytest.fixture
def fleet(fake, capsys, tmp_path):
    """Three repositories including the central rules, each pinned by a merged pull request
    of `airules-pr --update-includes`; returns the --repos file."""
    fake.create_repo(CENTRAL, {"security.md": "- Never log secrets.\n", "README.md": "# Central\n"})
    for name in REPOS:
        fake.create_repo(name, {".airules.yml": CONFIG, "ai-rules.md": f"# {name}\n\n- Own.\n"})
    listing = tmp_path / "repos.txt"
    listing.write_text("".join(f"{name}\n" for name in REPOS))
    code, out, _ = run(capsys, "--repos", str(listing), "--update-includes")
    assert code == 0, out
    first = central_head(fake)
    for name in REPOS:
        assert f"{name}: drift; pull request created" in out
        assert f"{INCLUDE}: pinned at {first[:12]}" in out
        pull = fake.pulls(name)[0]
        assert f"`{SHOWN}`: pinned at `{first[:12]}` (new include)" in pull["body"]
        fake.merge_pull(name, pull["number"])
        files = fake.files(name, "main")
        lock = json.loads(files[".airules.lock"])
        assert lock["includes"][0]["commit"] == first
        assert b"- Never log secrets." in files[VENDORED]
        # Included rules first, then the repository's own.
        claude = files["CLAUDE.md"].decode()
        assert claude.index("- Never log secrets.") < claude.index("- Own.")
    return listing


def test_update_includes_bumps_a_pin_in_one_pull_request_per_repository(fake, fleet, capsys):
    old = central_head(fake)
    # Nothing moved: nothing is written anywhere.
    writes = fake.content_creating
    fake.requests.clear()
    code, out, _ = run(capsys, "--repos", str(fleet), "--update-includes")
    assert code == 0
    assert fake.content_creating == writes
    for name in REPOS:
        assert f"{name}: in sync\n" in out
    # One question for the ref; the pinned copies are not downloaded again.
    assert (asked(fake, "commits"), asked(fake, "contents")) == (1, 0)

    # The central rules change: every repository gets one pull request with the new copy,
    # the new lock and the regenerated editor files.
    new = fake.push(CENTRAL, "main", {"security.md": "- Never log secrets or tokens.\n"})
    before = {name: len(fake.pulls(name)) for name in REPOS}
    fake.requests.clear()
    code, out, _ = run(capsys, "--repos", str(fleet), "--update-includes")
    assert code == 0
    # The resolver is built once for the run: one question per include ref and one download
    # per file, however many repositories include it.
    assert asked(fake, "commits") == 1
    assert asked(fake, "contents") == 1
    for name in REPOS:
        assert f"{name}: drift; pull request created" in out
        assert f"{INCLUDE}: {old[:12]} -> {new[:12]}" in out
        assert len(fake.pulls(name)) == before[name] + 1
        pull = fake.pulls(name)[-1]
        compare = f"https://github.com/{CENTRAL}/compare/{old}...{new}"
        assert (
            f"| `{SHOWN}` | `{old[:12]}` | `{new[:12]}` | [compare]({compare}) |" in (pull["body"])
        )
        assert "| `CLAUDE.md` | out of date: updated |" in pull["body"]
        branch = fake.files(name, BRANCH)
        assert json.loads(branch[".airules.lock"])["includes"][0]["commit"] == new
        assert f"at commit {new} of https://github.com/{CENTRAL}".encode() in branch[VENDORED]
        assert b"- Never log secrets or tokens." in branch["CLAUDE.md"]
        assert b"- Never log secrets or tokens." in branch["AGENTS.md"]
        message = commit_message(fake, name, BRANCH)
        assert message.startswith("Update included rules and sync AI editor rules files")
        assert f"{old[:12]} -> {new[:12]}" in message
        assert TOKEN not in pull["body"] + message

    # Run again: the open pull requests already hold it all; nothing is written.
    writes = fake.content_creating
    code, out, _ = run(capsys, "--repos", str(fleet), "--update-includes")
    assert code == 0
    assert fake.content_creating == writes
    assert all(len(fake.pulls(name)) == before[name] + 1 for name in REPOS)


def test_a_moved_pin_with_unchanged_text_changes_only_the_lock_and_copy(fake, fleet, capsys):
    name = REPOS[0]
    old = central_head(fake)
    new = fake.push(CENTRAL, "main", {"README.md": "# Central rules\n"})
    code, out, _ = run(capsys, "--repo", name, "--update-includes")
    assert code == 0
    assert f"{VENDORED}: {INCLUDE} moved from {old[:12]} to {new[:12]}" in out
    assert ".airules.lock: written (1 pinned)" in out
    assert "operation: created" in out
    base, branch = fake.files(name, "main"), fake.files(name, BRANCH)
    changed = sorted(p for p in {*base, *branch} if base.get(p) != branch.get(p))
    # The editor files read the same rules; the pin (and the copy's header naming it) moved.
    assert changed == [".airules.lock", VENDORED]
    assert json.loads(branch[".airules.lock"])["includes"][0]["commit"] == new


def test_without_the_flag_nothing_is_fetched_and_a_declined_bump_stands(fake, fleet, capsys):
    name = REPOS[0]
    fake.push(CENTRAL, "main", {"security.md": "- Rotate keys.\n"})
    fake.requests.clear()
    assert run(capsys, "--repo", name)[0] == 0
    assert asked(fake, "commits") == 0 and asked(fake, "contents") == 0

    code, out, _ = run(capsys, "--repo", name, "--update-includes")
    assert code == 0 and "operation: created" in out
    fake.close_pull(name, fake.pulls(name)[-1]["number"])
    # Declined: the same pin is not proposed again...
    code, out, _ = run(capsys, "--repo", name, "--update-includes")
    assert code == 0 and "was closed without merging" in out
    # ...until the central rules move again: the lock is part of what the decision hashes.
    fake.push(CENTRAL, "main", {"security.md": "- Rotate keys yearly.\n"})
    code, out, _ = run(capsys, "--repo", name, "--update-includes")
    assert code == 0 and "operation: created" in out


def test_a_missing_include_is_reported_without_the_token_and_nothing_written(fake, capsys):
    fake.create_repo(CENTRAL, {"README.md": "# Central\n"})
    fake.create_repo(REPOS[0], {".airules.yml": CONFIG, "ai-rules.md": "- Own.\n"})
    writes = fake.content_creating
    code, _, err = run(capsys, "--repo", REPOS[0], "--update-includes")
    assert code == 2
    assert f"{INCLUDE}: not found on GitHub" in err
    assert fake.content_creating == writes
