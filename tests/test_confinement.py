"""Confinement: whatever links a repository commits, airules reads and writes only inside the
working tree, and never in its git folder, which it recognises by identity, not by name.

Each attack is a real repository, committed and cloned fresh, and the subject is the
installed console script in a real process, as the `airules-fix` hook runs it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

if sys.platform == "win32":
    pytest.skip("directory descriptors are POSIX", allow_module_level=True)

from conftest import git
from test_hostile import snapshot

from airules.cli import main

SCRIPT = Path(sys.executable).parent / "airules-check"
HOOK = "#!/bin/sh\necho pwned > pwned.txt\n"


def clone_of(tmp_path: Path, files: dict[str, str], links: dict[str, str]) -> Path:
    """A fresh clone of a repository that committed `files` and the symlinks `links`."""
    origin = tmp_path / "origin"
    origin.mkdir()
    git(origin, "init", "-q", "-b", "main")
    for name, text in files.items():
        path = origin / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(str(text))
    (origin / "ai-rules.md").chmod(0o755)
    for name, target in links.items():
        (origin / name).symlink_to(target)
    git(origin, "add", "-A")
    git(origin, "commit", "-q", "-m", "hostile")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(origin), str(clone))
    return clone


def run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SCRIPT, *args], cwd=root, capture_output=True, text=True, env={**os.environ}
    )


GIT_ATTACKS = [
    pytest.param(
        "targets:\n  - path: docs/hooks/post-checkout\n    shared: false\n",
        {"docs": ".git"},
        id="hook-through-a-linked-folder",
    ),
    pytest.param(
        "targets:\n  - path: docs/config\n    shared: true\n",
        {"docs": ".git"},
        id="append-to-git-config",
    ),
    pytest.param(
        "targets:\n  - path: hooks/post-checkout\n    shared: false\n",
        {"hooks": ".git/hooks"},
        id="hooks-folder-linked",
    ),
    pytest.param(
        "targets:\n  - path: docs/x/post-checkout\n    shared: false\n",
        {"docs": "sub", "sub": ".", "x": ".git/hooks"},
        id="through-a-chain-of-links",
    ),
    pytest.param(
        "targets:\n  - path: CLAUDE.md\n    shared: true\n",
        {"CLAUDE.md": ".git/config"},
        id="target-file-linked-to-git-config",
    ),
]


@pytest.mark.parametrize(("config", "links"), GIT_ATTACKS)
def test_committed_links_into_the_git_folder_are_refused_and_nothing_is_written(
    tmp_path, config, links
):
    clone = clone_of(tmp_path, {".airules.yml": config, "ai-rules.md": HOOK}, links)
    before = snapshot(clone)
    for args in ([], ["--fix"], ["--fix", "--force"]):
        result = run(clone, *args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert result.stderr.count("\n") == 1, result.stderr
        assert "git folder" in result.stderr, result.stderr
        # A plain check used to print .git/config in its diff.
        assert "[core]" not in result.stdout + result.stderr
        assert snapshot(clone) == before, args
    assert not (clone / "pwned.txt").exists()
    # The next checkout runs no hook from the repository.
    git(clone, "checkout", "-q", "-b", "other")
    assert not (clone / "pwned.txt").exists()


def test_a_git_folder_with_another_name_is_refused_by_its_identity(tmp_path, monkeypatch):
    root = tmp_path / "repo"
    root.mkdir()
    # `.git` is a file here, naming a git folder inside the tree called `store`.
    git(tmp_path, "init", "-q", "-b", "main", f"--separate-git-dir={root / 'store'}", str(root))
    assert (root / ".git").is_file()
    (root / "ai-rules.md").write_text(HOOK)
    (root / "docs").symlink_to("store")
    monkeypatch.chdir(root)
    before = snapshot(tmp_path)
    for path in ("store/hooks/post-checkout", "docs/hooks/post-checkout", "docs/config"):
        (root / ".airules.yml").write_text(f"targets:\n  - path: {path}\n    shared: true\n")
        before = snapshot(tmp_path)
        for args in ([], ["--fix"]):
            assert main(args) == 2, (path, args)
            assert snapshot(tmp_path) == before, (path, args)


def test_listing_a_rules_folder_never_enters_the_git_folder(repo, capsys):
    # The cursor rules folder is a link to .git: listing it for warnings must not read there.
    (repo / ".cursor").mkdir()
    (repo / ".cursor" / "rules").symlink_to("../.git")
    assert main(["--cursor"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("airules: .cursor/rules/ai-rules.mdc: ") and "git folder" in err


def test_a_link_loop_of_any_length_is_refused_in_bounded_hops(repo, capsys):
    for i in range(60):
        (repo / f"l{i}").symlink_to(f"l{i + 1}")
    (repo / "l60").symlink_to("l0")
    (repo / ".airules.yml").write_text("targets:\n  - id: claude\n    path: l0/CLAUDE.md\n")
    assert main(["--fix"]) == 2
    assert "too many levels of symbolic links" in capsys.readouterr().err


def test_absolute_and_relative_links_that_stay_inside_are_followed(repo, capsys):
    (repo / "real").mkdir()
    (repo / "abs").symlink_to(repo / "real")
    (repo / "rel").symlink_to("real/../real")
    (repo / ".airules.yml").write_text(
        "targets:\n  - id: claude\n    path: abs/CLAUDE.md\n"
        "  - id: agents\n    path: rel/AGENTS.md\n"
    )
    assert main(["--fix"]) == 1
    assert main([]) == 0
    assert (repo / "real" / "CLAUDE.md").is_file() and (repo / "real" / "AGENTS.md").is_file()
    assert (repo / "abs").is_symlink() and (repo / "rel").is_symlink()


def test_a_link_that_climbs_out_and_back_in_is_refused(repo, tmp_path, capsys):
    # `../repo/docs` ends inside the root, but only by passing outside it: refused, so no
    # path's meaning depends on folders above the root.
    (repo / "docs").mkdir()
    (repo / "d").symlink_to(f"../{repo.name}/docs")
    (repo / ".airules.yml").write_text("targets:\n  - id: claude\n    path: d/CLAUDE.md\n")
    before = snapshot(tmp_path)
    assert main(["--fix"]) == 2
    assert "outside the repository" in capsys.readouterr().err
    assert snapshot(tmp_path) == before


def test_same_file_under_two_names_is_refused_whatever_makes_it(repo, capsys):
    (repo / "AGENTS.md").write_text("# Ours\n")
    os.link(repo / "AGENTS.md", repo / "CLAUDE.md")
    before = snapshot(repo)
    assert main(["--agents", "--claude", "--fix"]) == 2
    err = capsys.readouterr().err
    assert "is the same file as" in err
    assert snapshot(repo) == before


def test_symlink_mode_link_text_is_computed_from_where_the_link_really_is(repo, capsys):
    # `.junie` is a link to a folder two levels down, so `../ai-rules.md` would be wrong there.
    (repo / "config" / "junie").mkdir(parents=True)
    (repo / ".junie").symlink_to("config/junie")
    (repo / ".airules.yml").write_text("targets:\n  - {id: junie, mode: symlink}\n")
    assert main(["--fix"]) == 1
    link = repo / "config" / "junie" / "AGENTS.md"
    assert os.readlink(link) == "../../ai-rules.md"
    assert link.read_text() == (repo / "ai-rules.md").read_text()
    capsys.readouterr()
    assert main([]) == 0, capsys.readouterr().out


def test_symlink_mode_never_makes_a_link_in_a_folder_outside(repo, tmp_path, capsys):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (repo / ".junie").symlink_to(elsewhere)
    (repo / ".airules.yml").write_text("targets:\n  - {id: junie, mode: symlink}\n")
    for args in ([], ["--fix"]):
        assert main(args) == 2
        assert "outside the repository" in capsys.readouterr().err
    assert list(elsewhere.iterdir()) == []
