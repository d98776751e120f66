"""Warnings: each kind through `main()`, the cases that must stay quiet, and `--strict`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import git, needs_symlinks

from airules.advice import collect
from airules.cli import main
from airules.config import parse_config

BIG = "".join(f"- rule number {i}, which says something worth saying.\n" for i in range(700))


def setup(root: Path, config: str, files: dict[str, str]) -> None:
    (root / ".airules.yml").write_text(config)
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


WARNS = [
    pytest.param(
        "targets: [agents]\n",
        {"CLAUDE.md": "# Our Claude notes\n"},
        "claude-hides-agents",
        "CLAUDE.md",
        "so Claude never sees the rules; add a line `@AGENTS.md` to CLAUDE.md",
        id="claude-md-without-import",
    ),
    pytest.param(
        "targets: [claude, agents]\n",
        {"AGENTS.md": "# Written by us for Codex\n"},
        "claude-hides-agents",
        "CLAUDE.md",
        "never sees the text in AGENTS.md outside the airules block",
        id="agents-md-hand-text-hidden",
    ),
    pytest.param(
        "targets: [agents]\n",
        {".cursorrules": "old rules\n"},
        "zed-first-match",
        ".cursorrules",
        "so this file hides AGENTS.md, which airules manages",
        id="zed-earlier-file-hides",
    ),
    pytest.param(
        "targets:\n  - {id: claude, mode: import}\n",
        {},
        "zed-first-match",
        "CLAUDE.md",
        "it does not follow @imports",
        id="zed-first-is-an-import",
    ),
    pytest.param(
        "targets: [cursor]\n",
        {".cursor/rules/notes.md": "# notes\n"},
        "cursor-md-ignored",
        ".cursor/rules/notes.md",
        "Cursor reads only .mdc files in .cursor/rules/",
        id="cursor-md-by-hand",
    ),
    pytest.param(
        "targets:\n  - {path: .cursor/rules/team.md}\n",
        {},
        "cursor-md-ignored",
        ".cursor/rules/team.md",
        "so it ignores this one",
        id="cursor-md-as-target",
    ),
    pytest.param(
        "targets: [cursor]\n",
        {".cursor/rules/manual.mdc": "Use tabs.\n"},
        "mdc-without-front-matter",
        ".cursor/rules/manual.mdc",
        "Cursor treats it as a manual rule",
        id="mdc-by-hand",
    ),
    pytest.param(
        "targets:\n  - {path: .cursor/rules/team.mdc}\n",
        {},
        "mdc-without-front-matter",
        ".cursor/rules/team.mdc",
        "has no front matter",
        id="mdc-custom-target",
    ),
    pytest.param(
        "targets: [windsurf]\n",
        {"ai-rules.md": BIG},
        "size-limit",
        ".windsurf/rules/ai-rules.md",
        "over the 12,000 characters Windsurf reads of one rule file",
        id="windsurf-12000-characters",
    ),
    pytest.param(
        "targets: [agents]\n",
        {"ai-rules.md": BIG},
        "size-limit",
        "AGENTS.md",
        "over the 32,768 bytes Codex reads of the AGENTS.md files",
        id="codex-32-kib",
    ),
    pytest.param(
        "source: ai-rules.md\ntargets:\n  - claude\n  - roo\n",
        {},
        "deprecated-editor",
        ".airules.yml:4",
        "`roo`: Roo Code is deprecated since 2026-05",
        id="deprecated-roo",
    ),
    pytest.param(
        "targets: [continue]\n",
        {},
        "deprecated-editor",
        ".airules.yml:1",
        "move to `cursor`",
        id="deprecated-continue",
    ),
]


@pytest.mark.parametrize(("config", "files", "kind", "where", "words"), WARNS)
def test_warning_is_printed_and_fails_only_with_strict(
    repo, capsys, config, files, kind, where, words
):
    setup(repo, config, files)
    main(["--fix"])
    capsys.readouterr()
    assert main([]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith(f"{where}: warning: "))
    assert words in line
    assert main(["--strict"]) == 1
    assert "--strict fails on warnings" in capsys.readouterr().out.splitlines()[-1]
    assert main(["--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {"kind": kind, "path": where.split(":")[0]}.items() <= doc["warnings"][0].items()


QUIET = [
    pytest.param(
        "targets: [agents]\n",
        {"CLAUDE.md": "# Notes\n\nSee @AGENTS.md for the rules.\n"},
        id="claude-md-imports-agents",
    ),
    pytest.param("targets: [claude, agents]\n", {}, id="claude-target-carries-the-rules"),
    pytest.param(
        "targets:\n  - claude\n  - {id: agents, mode: symlink}\n",
        {},
        id="agents-symlink-has-nothing-extra",
    ),
    pytest.param("targets: [zed, agents]\n", {".cursorrules": "old\n"}, id="zed-reads-rules"),
    pytest.param("targets: [agents, copilot]\n", {}, id="zed-first-is-managed"),
    pytest.param("targets: [windsurf, agents]\n", {}, id="clean-defaults"),
    pytest.param(
        "dedupe: true\ntargets: [cursor, windsurf, agents]\n", {}, id="clean-defaults-deduped"
    ),
    pytest.param("targets: [cline, copilot]\n", {}, id="clinerules-folder-is-not-zeds-file"),
]


@pytest.mark.parametrize(("config", "files"), QUIET)
def test_no_warning_when_nothing_is_hidden(repo, capsys, config, files):
    setup(repo, config, files)
    main(["--fix"])
    capsys.readouterr()
    assert main(["--strict"]) == 0
    assert "warning" not in capsys.readouterr().out


def test_codex_limit_adds_up_nested_agents_files(repo, capsys):
    half = BIG[: 20 * 1024]
    (repo / "pkg").mkdir()
    setup(repo, "nested: true\ntargets: [agents]\n", {"ai-rules.md": half, "pkg/ai-rules.md": half})
    git(repo, "add", "-A")
    main(["--fix"])
    capsys.readouterr()
    main([])
    warnings = [x for x in capsys.readouterr().out.splitlines() if ": warning:" in x]
    assert len(warnings) == 1
    assert warnings[0].startswith("pkg/AGENTS.md: warning: with the AGENTS.md files above it")


def test_deprecated_editor_from_a_flag_names_its_file(repo, capsys):
    main(["--roo", "--fix"])
    out = capsys.readouterr().out
    assert ".roo/rules/ai-rules.md: warning: `roo`: Roo Code is deprecated" in out


def test_collect_is_pure_and_reads_only_through_the_callbacks():
    config = parse_config("targets: [agents]\n", ".airules.yml")
    asked: list[str] = []

    def read(path: str) -> str | None:
        asked.append(path)
        return {"CLAUDE.md": "# mine\n"}.get(path)

    (warning,) = collect(
        [(config.targets[0], "rules\n")],
        config_path=".airules.yml",
        read=read,
        list_dir=lambda folder: [],
    )
    assert (warning.kind, warning.path) == ("claude-hides-agents", "CLAUDE.md")
    assert "CLAUDE.md" in asked


def test_strict_through_the_installed_console_script(repo):
    setup(repo, "targets: [agents]\n", {"CLAUDE.md": "# Ours\n"})
    exe = Path(sys.executable).parent / (
        "airules-check.exe" if os.name == "nt" else "airules-check"
    )
    fixed = subprocess.run([exe, "--fix"], capture_output=True, text=True)
    assert fixed.returncode == 1, fixed.stderr
    plain = subprocess.run([exe], capture_output=True, text=True)
    assert plain.returncode == 0
    assert "CLAUDE.md: warning: Claude Code reads AGENTS.md only" in plain.stdout
    strict = subprocess.run([exe, "--strict"], capture_output=True, text=True)
    assert strict.returncode == 1


@needs_symlinks
def test_rules_folder_linking_outside_the_root_is_not_listed(repo, tmp_path, capsys):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "secret.md").write_text("not ours\n")
    (repo / ".cursor").mkdir()
    (repo / ".cursor" / "rules").symlink_to(elsewhere)
    setup(repo, "targets: [agents]\n", {})
    assert main(["--fix"]) == 1
    assert "secret.md" not in capsys.readouterr().out
