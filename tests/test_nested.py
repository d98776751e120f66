"""`nested: true` on a monorepo: real git, real `git ls-files`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import git

from airules.cli import main

CONFIG = "nested: true\ntargets: [claude, agents, cursor, copilot, windsurf]\n"
NESTED = ("CLAUDE.md", "AGENTS.md", ".cursor/rules/ai-rules.mdc", ".windsurf/rules/ai-rules.md")


@pytest.fixture
def monorepo(repo: Path) -> Path:
    for name in ("api", "web"):
        folder = repo / "packages" / name
        folder.mkdir(parents=True)
        (folder / "ai-rules.md").write_text(f"# {name} rules\n\n- Only in {name}.\n")
    (repo / ".gitignore").write_text("build/\n")
    (repo / "build").mkdir()
    (repo / "build" / "ai-rules.md").write_text("# ignored\n")
    (repo / ".airules.yml").write_text(CONFIG)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "monorepo")
    # Not committed yet, but not ignored either: found, so a new package can be set up
    # before its first commit.
    (repo / "tools" / "cli").mkdir(parents=True)
    (repo / "tools" / "cli" / "ai-rules.md").write_text("# cli rules\n")
    return repo


def test_every_package_gets_the_directory_level_targets(monorepo, capsys):
    assert main(["--fix"]) == 1
    for folder in ("packages/api", "packages/web", "tools/cli"):
        for name in NESTED:
            assert (monorepo / folder / name).is_file(), f"{folder}/{name}"
        # Copilot reads one repository-wide file only.
        assert not (monorepo / folder / ".github").exists()
    api = (monorepo / "packages/api/CLAUDE.md").read_text()
    assert "source=packages/api/ai-rules.md" in api
    assert "- Only in api." in api and "Write tests first" not in api
    assert (monorepo / ".github/copilot-instructions.md").is_file()
    assert not (monorepo / "build" / "CLAUDE.md").exists()
    capsys.readouterr()
    # Generated files called ai-rules.md (Windsurf's) are not sources of further targets.
    assert main(["--fix"]) == 0
    assert not (monorepo / ".windsurf/rules/CLAUDE.md").exists()
    assert not (monorepo / "packages/api/.windsurf/rules/CLAUDE.md").exists()


def test_drift_in_one_package_names_its_own_source(monorepo, capsys):
    main(["--fix"])
    (monorepo / "packages/web/ai-rules.md").write_text("# web rules\n\n- Changed.\n")
    capsys.readouterr()
    assert main(["--quiet"]) == 1
    out = capsys.readouterr().out
    problems = [line for line in out.splitlines() if ": out of date" in line]
    assert problems == [
        f"packages/web/{name}: out of date with packages/web/ai-rules.md" for name in NESTED
    ]


def test_json_lists_nested_targets_with_their_paths(monorepo, capsys):
    main(["--fix"])
    capsys.readouterr()
    assert main(["--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    paths = [t["path"] for t in doc["targets"]]
    assert "packages/api/AGENTS.md" in paths and "tools/cli/.cursor/rules/ai-rules.mdc" in paths
    assert {t["id"] for t in doc["targets"]} == {
        "claude",
        "agents",
        "cursor",
        "copilot",
        "windsurf",
    }


def test_deleted_nested_source_still_in_the_index_is_skipped(monorepo, capsys):
    (monorepo / "packages/web/ai-rules.md").unlink()
    assert main(["--fix"]) == 1
    assert not (monorepo / "packages/web/CLAUDE.md").exists()
    assert (monorepo / "packages/api/CLAUDE.md").exists()


def test_nested_target_colliding_with_a_configured_path_is_an_error(monorepo, capsys):
    (monorepo / ".airules.yml").write_text(
        "nested: true\ntargets:\n  - claude\n  - {path: packages/api/CLAUDE.md, shared: true}\n"
    )
    assert main([]) == 2
    err = capsys.readouterr().err
    assert "packages/api/CLAUDE.md: both the entry on line 4 and packages/api/ai-rules.md" in err


def test_flags_limit_nested_targets_too(monorepo, capsys):
    assert main(["--agents", "--fix"]) == 1
    assert (monorepo / "packages/api/AGENTS.md").exists()
    assert not (monorepo / "packages/api/CLAUDE.md").exists()


def test_nested_outside_git_is_a_config_error(tmp_path, monkeypatch, capsys):
    root = tmp_path / "plain"
    (root / "pkg").mkdir(parents=True)
    (root / "ai-rules.md").write_text("- root\n")
    (root / "pkg" / "ai-rules.md").write_text("- pkg\n")
    (root / ".airules.yml").write_text("nested: true\ntargets: [claude]\n")
    monkeypatch.chdir(root)
    # Keep git from finding a repository above tmp_path.
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    assert main(["--fix"]) == 2
    err = capsys.readouterr().err
    assert "`nested: true` finds every ai-rules.md with `git ls-files`" in err
    assert "remove `nested: true`" in err
    assert not (root / "CLAUDE.md").exists()
