"""`airules-pr` with a rules folder: real PyGithub against the fake GitHub on 127.0.0.1."""

from __future__ import annotations

import pytest
from conftest import fixed_locally
from fake_github import serving

from airules.github.cli import main

TOKEN = "ghs_Secret0Token1For2Tests3Only4xyz"
REPO = "acme/widgets"
BRANCH = "airules/sync"
FAST = "retries=2,max_wait=1,backoff=0,request_spacing=0,write_spacing=0"
FILES = {
    ".airules.yml": "targets: [claude, cursor, agents, copilot]\n",
    "ai-rules.md": "# Rules\n\n- Write tests first.\n",
    "ai-rules/style.md": "- Name things plainly.\n",
    "ai-rules/testing.md": "---\npaths: [tests/**]\ndescription: Tests\n---\n- Use fixtures.\n",
    "README.md": "# Widgets\n",
}


@pytest.fixture
def fake(monkeypatch, tmp_path):
    with serving(TOKEN, monkeypatch, tmp_path, repository=REPO, limits=FAST) as server:
        yield server


def test_pull_request_writes_the_scoped_files_the_local_fix_writes(fake, capsys, tmp_path):
    fake.create_repo(REPO, FILES)
    assert main([]) == 0
    out, err = capsys.readouterr()
    assert TOKEN not in out + err
    assert "operation: created" in out
    # The rules folder was read through the API: same bytes as the local --fix.
    assert fake.files(REPO, BRANCH) == fixed_locally(tmp_path, FILES)
    branch = fake.files(REPO, BRANCH)
    assert b"- Use fixtures." in branch[".claude/rules/testing.md"]
    assert b"## For files matching `tests/**`" in branch["AGENTS.md"]
    assert b"- Name things plainly." in branch["CLAUDE.md"]
    # The body names the rule each generated file comes from.
    body = fake.pulls(REPO)[0]["body"]
    assert "| `.cursor/rules/testing.mdc` from `ai-rules/testing.md` | missing: added |" in body
    assert "| `CLAUDE.md` | missing: added |" in body

    # A changed rule updates the same pull request; an unchanged run changes nothing.
    fake.push(REPO, "main", {"ai-rules/testing.md": "---\npaths: [tests/**]\n---\n- Changed.\n"})
    assert main([]) == 0
    assert "operation: updated" in capsys.readouterr().out
    assert b"- Changed." in fake.files(REPO, BRANCH)[".claude/rules/testing.md"]
    assert len(fake.pulls(REPO)) == 1


def test_a_bad_rule_fails_the_run_without_writing(fake, capsys):
    fake.create_repo(REPO, {**FILES, "ai-rules/bad.md": "---\npaths: [/etc/**]\n---\nx\n"})
    before = fake.snapshot()
    assert main([]) == 2
    _, err = capsys.readouterr()
    assert "ai-rules/bad.md:2: the glob '/etc/**' is absolute" in err
    assert fake.snapshot() == before


def test_a_renamed_rule_deletes_its_old_files_in_the_pull_request(fake, capsys, tmp_path):
    fake.create_repo(REPO, FILES)
    assert main([]) == 0
    fake.merge_pull(REPO, fake.pulls(REPO)[0]["number"])
    capsys.readouterr()
    assert ".claude/rules/testing.md" in fake.files(REPO, "main")

    # The rule is renamed on the base branch: its old generated files are stale.
    renamed = fake.files(REPO, "main")["ai-rules/testing.md"]
    fake.push(REPO, "main", {"ai-rules/testing.md": None, "ai-rules/tests.md": renamed})
    base = {p: d.decode() for p, d in fake.files(REPO, "main").items()}
    assert main([]) == 0
    out, err = capsys.readouterr()
    assert TOKEN not in out + err
    assert "operation: created" in out
    branch = fake.files(REPO, BRANCH)
    for stale in (".claude/rules/testing.md", ".cursor/rules/testing.mdc"):
        assert stale in base
        assert stale not in branch
        assert f"{stale}: out of date; was generated from ai-rules/testing.md, which no " in out
        assert (
            f"| `{stale}` from `ai-rules/testing.md` | its rule is gone: deleted |"
            in (fake.pulls(REPO)[-1]["body"])
        )
    assert f"no longer makes it; deleted on {BRANCH}" in out
    assert b"- Use fixtures." in branch[".claude/rules/tests.md"]
    # The pull request's tree is what a local --fix makes of the base branch.
    assert branch == fixed_locally(tmp_path, base)

    # Run again: the sync branch already holds the deletions, so nothing is written.
    writes = fake.content_creating
    assert main([]) == 0
    assert "operation: none" in capsys.readouterr().out
    assert fake.content_creating == writes
