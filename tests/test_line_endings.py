"""New files follow the repository's line endings, so a CRLF repository gets no git warnings."""

from __future__ import annotations

import subprocess

from conftest import git

from airules.cli import main


def add(repo, *paths):
    return subprocess.run(
        ["git", "add", *paths], cwd=repo, capture_output=True, text=True, check=True
    ).stderr


def test_gitattributes_eol_crlf_gives_crlf_files_and_no_warning(repo):
    (repo / ".gitattributes").write_bytes(b"* text eol=crlf\r\n")
    (repo / "ai-rules.md").write_bytes(b"# Rules\r\n\r\n- Be kind.\r\n")
    (repo / ".airules.yml").write_bytes(b"targets: [claude, cursor]\r\n")
    assert main(["--fix"]) == 1
    for path in ("CLAUDE.md", ".cursor/rules/ai-rules.mdc"):
        data = (repo / path).read_bytes()
        assert data.count(b"\r\n") == data.count(b"\n"), path
    assert add(repo, ".") == ""
    assert main([]) == 0


def test_the_majority_of_tracked_files_decides(repo):
    git(repo, "config", "core.autocrlf", "false")
    for name in ("a.md", "b.md", "c.txt"):
        (repo / name).write_bytes(b"one\r\ntwo\r\n")
    (repo / "ai-rules.md").write_bytes(b"# Rules\r\n")
    add(repo, ".")
    assert main(["--fix", "--agents"]) == 1
    assert (repo / "AGENTS.md").read_bytes().endswith(b"# Rules\r\n<!-- airules:end -->\r\n")
    assert main(["--agents"]) == 0


def test_an_lf_repository_stays_lf(repo):
    add(repo, ".")
    assert main(["--fix", "--agents"]) == 1
    assert b"\r" not in (repo / "AGENTS.md").read_bytes()


def test_eol_lf_attribute_wins_over_a_crlf_majority(repo):
    git(repo, "config", "core.autocrlf", "false")
    (repo / "x.md").write_bytes(b"one\r\n")
    (repo / ".gitattributes").write_text("*.md text eol=lf\n")
    add(repo, ".")
    assert main(["--fix", "--claude"]) == 1
    assert b"\r" not in (repo / "CLAUDE.md").read_bytes()


def test_adopt_writes_new_files_in_the_repositorys_endings_and_keeps_a_files_own(repo):
    (repo / "ai-rules.md").unlink()
    (repo / ".gitattributes").write_text("*.md text eol=crlf\n")
    (repo / "CLAUDE.md").write_bytes(b"- Use tabs.\r\n")
    assert main(["--adopt", "--yes"]) == 1
    for path in ("ai-rules.md", "CLAUDE.md"):
        data = (repo / path).read_bytes()
        assert data.count(b"\r\n") == data.count(b"\n"), path
    assert main([]) == 0
