"""A sparse checkout: a target in a folder the checkout leaves out is not checked out, not
missing. The check does not fail on it, and `--fix` does not write into the excluded folder."""

from __future__ import annotations

from conftest import git

from airules.cli import main


def _sparse_repo(repo):
    (repo / "app").mkdir()
    (repo / "app" / "main.py").write_text("print('app')\n")
    (repo / "docs").mkdir()
    (repo / "docs" / "index.md").write_text("# Docs\n")
    (repo / "docs" / "AGENTS.md").write_text("# Tracked, outside the cone\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "tree")
    git(repo, "sparse-checkout", "set", "--cone", "app")
    assert not (repo / "docs").exists()


def test_targets_outside_the_cone_are_not_checked_out_and_never_written(repo, capsys):
    _sparse_repo(repo)
    (repo / ".airules.yml").write_text(
        "targets:\n"
        "  - claude\n"
        "  - id: cursor\n    path: docs/rules/ai-rules.mdc\n"  # untracked, folder left out
        "  - id: agents\n    path: docs/AGENTS.md\n"  # tracked, skip-worktree
    )
    assert main([]) == 1
    out = capsys.readouterr().out
    assert "CLAUDE.md: missing" in out
    assert "docs/rules/ai-rules.mdc: ok: not checked out" in out
    assert "docs/AGENTS.md: ok: not checked out" in out
    assert main(["--fix"]) == 1
    assert (repo / "CLAUDE.md").is_file()
    assert not (repo / "docs").exists()
    capsys.readouterr()
    assert main([]) == 0
    assert main(["--fix"]) == 0
    assert not (repo / "docs").exists()
    # Widen the cone: now they are checked, and missing or out of date.
    git(repo, "sparse-checkout", "add", "docs")
    assert main([]) == 1
    out = capsys.readouterr().out
    assert "docs/rules/ai-rules.mdc: missing" in out


def test_a_target_in_a_parent_of_the_cone_is_checked(repo, capsys):
    (repo / "a" / "b").mkdir(parents=True)
    (repo / "a" / "b" / "x.txt").write_text("x\n")
    (repo / "a" / "y.txt").write_text("y\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "tree")
    git(repo, "sparse-checkout", "set", "--cone", "a/b")
    # Cone mode keeps the files directly in every parent of a cone folder.
    (repo / ".airules.yml").write_text("targets:\n  - id: claude\n    path: a/CLAUDE.md\n")
    assert main([]) == 1
    assert "a/CLAUDE.md: missing" in capsys.readouterr().out
