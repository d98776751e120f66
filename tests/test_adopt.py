"""`--adopt`: bring a repository's existing rules into ai-rules.md, losing nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pexpect
import pytest
from conftest import git, needs_posix_terminal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_setup import spawn

from airules.adopt import norm_line, units_of
from airules.cli import main

CLAUDE = """\
# CLAUDE.md

This file provides guidance to Claude Code (claude.ai/code) when working with code here.

@docs/architecture.md
@~/.claude/my-preferences.md

## Commands

- Run tests: `pytest -q`
- Lint: `ruff check .`

```sh
# a comment in a fence, not a heading
make dev
```

## Style

* Keep functions small.
* Type hints everywhere.

## Working with Claude

Claude should ask before running migrations.
"""

AGENTS = """\
# AGENTS.md

## Commands

- Run tests: `pytest -q`
- Lint:   `ruff check .`
- Format: `ruff format .`

## Style

- Keep functions small.
- Prefer dataclasses to dicts.

[contributing]: CONTRIBUTING.md
"""

MDC = {
    "testing.mdc": "---\ndescription: Testing\nalwaysApply: true\n---\n\n## Testing\n\n"
    "Write a failing test first.\n",
    "style.mdc": "---\nalwaysApply: true\n---\n\n## Style\n\n- Keep functions small.\n"
    "- No global state.\n",
    "api.mdc": "---\ndescription: API\nglobs: src/api/**\n---\n\nAPI handlers validate input.\n",
}


def make_repo(root: Path) -> None:
    (root / "CLAUDE.md").write_text(CLAUDE)
    (root / "AGENTS.md").write_text(AGENTS)
    (root / ".cursor/rules").mkdir(parents=True)
    for name, text in MDC.items():
        (root / ".cursor/rules" / name).write_text(text)
    (root / ".cursorrules").write_text("Never commit secrets.\n\n- Keep functions small.\n")


def lines_of(path: Path) -> set[str]:
    return {norm_line(line) for line in path.read_text().splitlines()} if path.exists() else set()


def test_adopt_a_repository_with_rules_everywhere(repo, capsys):
    (repo / "ai-rules.md").unlink()
    make_repo(repo)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "rules everywhere")
    before = {p: (repo / p).read_bytes() for p in git(repo, "ls-files").split()}
    # Without a terminal and without --yes: a preview, and nothing written.
    assert main(["--adopt"]) == 1
    out = capsys.readouterr().out
    assert "+++ b/ai-rules.md" in out and "--- a/CLAUDE.md" in out
    assert ".cursorrules: delete (every line of it is in ai-rules.md)" in out
    assert ".cursor/rules/api.mdc: delete (every line of it is in ai-rules/api.md)" in out
    assert "nothing written" in out and "--yes" in out
    assert {p: (repo / p).read_bytes() for p in before} == before
    assert not (repo / "ai-rules.md").exists()

    assert main(["--adopt", "--yes"]) == 1
    rules = (repo / "ai-rules.md").read_text()
    config = (repo / ".airules.yml").read_text()
    assert "- agents" in config and "- claude" in config and "- cursor" in config
    # Each shared rule once, in the order first seen; contradictions are for a person to see.
    assert rules.count("Keep functions small.") == 1
    assert rules.count("Run tests: `pytest -q`") == 1
    assert "Format: `ruff format .`" in rules and "Prefer dataclasses" in rules
    assert "Write a failing test first." in rules and "No global state." in rules
    assert "Never commit secrets." in rules
    assert "# a comment in a fence, not a heading\nmake dev\n```" in rules
    # Claude's own text stays in CLAUDE.md, outside the block.
    assert "@docs/architecture.md" not in rules and "Claude should ask" not in rules
    claude = (repo / "CLAUDE.md").read_text()
    head, block = claude.split("<!-- airules:begin", 1)
    assert "@docs/architecture.md\n@~/.claude/my-preferences.md" in head
    assert "## Working with Claude\n\nClaude should ask" in head
    assert "This file provides guidance to Claude Code" in head
    assert "## Commands" not in head
    # Legacy and always-applied Cursor files are replaced by the one generated rule.
    assert not (repo / ".cursorrules").exists()
    assert not (repo / ".cursor/rules/testing.mdc").exists()
    # The rule for some files only becomes a scoped rule; with dedupe, Cursor reads it in
    # AGENTS.md, under a heading that names its paths.
    assert (repo / "ai-rules/api.md").read_text() == (
        "---\npaths:\n  - src/api/**\ndescription: API\n---\n\nAPI handlers validate input.\n"
    )
    assert not (repo / ".cursor/rules/api.mdc").exists()
    assert "## For files matching `src/api/**`" in (repo / "AGENTS.md").read_text()
    # A new config dedupes: Cursor reads AGENTS.md, and CLAUDE.md's block imports it.
    assert "dedupe: true" in config
    assert "Never commit secrets." in (repo / "AGENTS.md").read_text()
    assert not (repo / ".cursor/rules/ai-rules.mdc").exists()
    assert block.startswith(" source=ai-rules.md") and "\n@AGENTS.md\n" in block
    # Nothing lost: every line of every file is in ai-rules.md (or its rules folder) or still
    # in its file.
    adopted = lines_of(repo / "ai-rules.md") | lines_of(repo / "ai-rules/api.md")
    for path, data in before.items():
        text = data.decode()
        if path.endswith(".mdc") or path == ".cursorrules":
            text = text.split("---\n\n", 1)[-1]  # front matter is not rules
        for line in text.splitlines():
            assert not line.strip() or norm_line(line) in adopted | lines_of(repo / path), (
                path,
                line,
            )
    capsys.readouterr()
    assert main([]) == 0
    # A second adoption changes nothing.
    after = {
        p: (repo / p).read_bytes()
        for p in git(repo, "ls-files", "-co").split()
        if (repo / p).exists()
    }
    assert main(["--adopt", "--yes"]) == 0
    assert "nothing to adopt" in capsys.readouterr().out
    assert {p: (repo / p).read_bytes() for p in after} == after


def test_a_cursor_rule_for_some_files_becomes_a_scoped_rule_every_editor_gets(repo, capsys):
    (repo / ".airules.yml").write_text("targets: [claude, cursor]\n")
    (repo / ".cursor/rules").mkdir(parents=True)
    # As Cursor writes it: `globs: *.ts, src/**` is not valid YAML, and Cursor reads it.
    mdc = (
        "---\ndescription: TypeScript\nglobs: *.ts, src/**\nalwaysApply: false\n---\n\n- Strict.\n"
    )
    (repo / ".cursor/rules/ts.mdc").write_text(mdc)
    assert main(["--adopt", "--yes"]) == 1
    rule = (repo / "ai-rules/ts.md").read_text()
    assert (
        rule == '---\npaths:\n  - "*.ts"\n  - src/**\ndescription: TypeScript\n---\n\n- Strict.\n'
    )
    cursor = (repo / ".cursor/rules/ts.mdc").read_text()
    assert cursor.startswith(
        '---\ndescription: TypeScript\nglobs: "*.ts,src/**"\nalwaysApply: false\n'
    )
    assert "Generated by airules from ai-rules/ts.md" in cursor and cursor.endswith("- Strict.\n")
    claude = (repo / ".claude/rules/ts.md").read_text()
    assert claude.startswith('---\npaths:\n  - "*.ts"\n  - src/**\n---\n')
    assert "Strict" not in (repo / "ai-rules.md").read_text()
    capsys.readouterr()
    assert main([]) == 0
    assert main(["--adopt", "--yes"]) == 0
    assert "nothing to adopt" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("front", "why"),
    [
        ("globs: src/{a,b}/**", "its glob 'src/{a,b}/**' contains a comma"),
        ("globs: '!vendor/**'", "its glob '!vendor/**' is a negation"),
        ("globs: src/**\ndescription: |\n  two\n  lines", "its description is not one line"),
    ],
)
def test_a_cursor_rule_airules_cannot_scope_alike_is_left_as_it_is(repo, capsys, front, why):
    (repo / ".airules.yml").write_text("targets: [claude, cursor]\n")
    (repo / ".cursor/rules").mkdir(parents=True)
    text = f"---\n{front}\n---\n\n- Scoped.\n"
    (repo / ".cursor/rules/odd.mdc").write_text(text)
    main(["--adopt", "--yes"])
    out = capsys.readouterr().out
    assert f".cursor/rules/odd.mdc: left as it is: it applies only to some files, and {why}" in out
    assert (repo / ".cursor/rules/odd.mdc").read_text() == text
    assert not (repo / "ai-rules").exists()


def test_a_cursor_rule_whose_rule_file_exists_is_left_as_it_is(repo, capsys):
    (repo / ".airules.yml").write_text("targets: [claude, cursor]\n")
    (repo / "ai-rules").mkdir()
    (repo / "ai-rules/api.md").write_text("---\npaths: [api/**]\n---\n\n- Ours.\n")
    (repo / ".cursor/rules").mkdir(parents=True)
    (repo / ".cursor/rules/api.mdc").write_text(MDC["api.mdc"])
    main(["--adopt", "--yes"])
    out = capsys.readouterr().out
    assert ".cursor/rules/api.mdc: left as it is: it applies only to some files, and " in out
    assert "ai-rules/api.md exists already" in out
    assert (repo / "ai-rules/api.md").read_text() == "---\npaths: [api/**]\n---\n\n- Ours.\n"
    assert (repo / ".cursor/rules/api.mdc").read_text() == MDC["api.mdc"]


def test_adopt_keeps_an_existing_source_and_adds_what_it_lacks(repo, capsys):
    (repo / ".airules.yml").write_text("targets: [claude]\n")
    (repo / "CLAUDE.md").write_text("# Notes\n\n- Write tests first.\n- Never use print.\n")
    assert main(["--adopt", "--yes"]) == 1
    rules = (repo / "ai-rules.md").read_text()
    assert rules.startswith("# Rules\n\n- Write tests first.\n- Keep functions small.\n")
    assert rules.count("Write tests first.") == 1 and "- Never use print." in rules
    assert main([]) == 0
    assert main(["--adopt"]) == 0


def test_a_legacy_clinerules_file_is_adopted_into_the_folder(repo, capsys):
    (repo / "ai-rules.md").unlink()
    (repo / ".clinerules").write_text("# Cline rules\n\nUse tabs.\n")
    assert main(["--adopt", "--yes"]) == 1
    assert (repo / ".clinerules").is_dir()
    assert "Use tabs." in (repo / ".clinerules/ai-rules.md").read_text()
    assert "Use tabs." in (repo / "ai-rules.md").read_text()
    assert main([]) == 0


def test_adopt_a_block_edited_by_hand_keeps_the_edit(repo, capsys):
    (repo / ".airules.yml").write_text("targets: [claude]\n")
    assert main(["--fix"]) == 1
    text = (repo / "CLAUDE.md").read_text()
    (repo / "CLAUDE.md").write_text(text.replace("- Keep functions small.\n", "- Be kind.\n"))
    assert main(["--adopt", "--yes"]) == 1
    rules = (repo / "ai-rules.md").read_text()
    assert "- Be kind." in rules and "- Keep functions small." in rules
    assert main([]) == 0


def test_nothing_to_adopt_anywhere_is_a_usage_error(repo, capsys):
    (repo / "ai-rules.md").unlink()
    assert main(["--adopt"]) == 2
    assert "no editor's rules file is here" in capsys.readouterr().err


@needs_posix_terminal
def test_adopt_asks_in_a_terminal_and_writes_only_on_yes(repo):
    (repo / "ai-rules.md").unlink()
    (repo / "CLAUDE.md").write_text(CLAUDE)
    child = spawn(repo, "--adopt")
    child.expect(r"Write these \d+ changes\? \[y/N\] ")
    child.sendline("n")
    child.expect("nothing written")
    child.expect(pexpect.EOF)
    assert not (repo / "ai-rules.md").exists()
    child = spawn(repo, "--adopt")
    child.expect(r"\[y/N\] ")
    child.sendline("y")
    child.expect("adopted into ai-rules.md")
    child.expect(pexpect.EOF)
    assert "Keep functions small." in (repo / "ai-rules.md").read_text()


# --- the no-loss property ---------------------------------------------------------------------

WORDS = st.sampled_from(["tests", "small", "types", "Claude", "docs", "lint", "fast", "x"])
LINE = st.lists(WORDS, min_size=1, max_size=4).map(" ".join)
BLOCK = st.one_of(
    LINE.map(lambda s: s.capitalize() + "."),
    st.lists(LINE, min_size=1, max_size=3).map(lambda xs: "".join(f"- {x}\n" for x in xs)),
    st.lists(LINE, min_size=1, max_size=3).map(lambda xs: "".join(f"* {x}\n" for x in xs)),
    LINE.map(lambda s: f"## {s}"),
    LINE.map(lambda s: f"# {s}"),
    LINE.map(lambda s: f"```\n{s}\n```"),
    st.just("@docs/notes.md"),
    st.just("[ref]: https://example.com"),
    LINE.map(lambda s: f"> {s}"),
)
DOC = st.lists(BLOCK, min_size=1, max_size=8).map(lambda bs: "\n\n".join(b.strip() for b in bs))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(claude=DOC, agents=DOC, cursorrules=st.one_of(st.none(), DOC), mdc=st.one_of(st.none(), DOC))
def test_adoption_loses_no_line_and_is_idempotent(
    tmp_path_factory, claude, agents, cursorrules, mdc
):
    root = tmp_path_factory.mktemp("adopt")
    git(root, "init", "-q")
    files = {"CLAUDE.md": claude + "\n", "AGENTS.md": agents + "\n"}
    if cursorrules is not None:
        files[".cursorrules"] = cursorrules + "\n"
    if mdc is not None:
        (root / ".cursor/rules").mkdir(parents=True)
        files[".cursor/rules/team.mdc"] = "---\nalwaysApply: true\n---\n\n" + mdc + "\n"
    for path, text in files.items():
        (root / path).write_text(text)
    cwd = os.getcwd()
    os.chdir(root)
    try:
        code = main(["--adopt", "--yes"])
        if code == 2:
            # Only text for one editor (a section naming a tool, an import): nothing to adopt,
            # said as a usage error, and nothing written.
            assert not (root / "ai-rules.md").exists() and not (root / ".airules.yml").exists()
            assert all((root / p).read_text() == t for p, t in files.items())
            return
        assert code == 1
        adopted = lines_of(root / "ai-rules.md")
        for path, text in files.items():
            if path.endswith(".mdc"):
                text = text.split("---\n\n", 1)[1]
            for line in text.splitlines():
                assert not line.strip() or norm_line(line) in adopted | lines_of(root / path), (
                    path,
                    line,
                )
        snapshot = {
            p: p.read_bytes() for p in root.rglob("*") if p.is_file() and ".git" not in p.parts
        }
        assert main(["--adopt", "--yes"]) == 0
        assert {p: p.read_bytes() for p in snapshot} == snapshot
        assert main([]) == 0
    finally:
        os.chdir(cwd)


def test_only_text_for_one_editor_is_nothing_to_adopt(repo, capsys):
    (repo / "ai-rules.md").unlink()
    (repo / "CLAUDE.md").write_text("## Claude\n\n@docs/notes.md\n")
    assert main(["--adopt", "--yes"]) == 2
    assert "hold no rules to adopt" in capsys.readouterr().err
    assert (repo / "CLAUDE.md").read_text() == "## Claude\n\n@docs/notes.md\n"


def test_units_cover_every_line():
    text = "# T\n\nPara\nwrapped\n\n- a\n- b\n\n[x]: http://x\n\n```\ncode\n```\n"
    units = units_of(text)
    assert [u.text for u in units] == [
        "# T\n",
        "Para\nwrapped\n",
        "- a\n",
        "- b\n",
        "[x]: http://x\n",
        "```\ncode\n```\n",
    ]


def test_legacy_files_preselect_their_editors(tmp_path):
    from airules.adopt import detected

    for name in (".cursorrules", ".windsurfrules", ".clinerules"):
        (tmp_path / name).write_text("rules\n")
    assert detected(tmp_path) == ["cline", "cursor", "windsurf"]


def test_the_preview_escapes_control_characters_from_the_repository(repo, capsys):
    (repo / "ai-rules.md").unlink()
    (repo / "AGENTS.md").write_text("# Rules\n\n- Be \x1b]0;owned\x07kind.\r\n- Ring \x9b31m.\n")
    (repo / ".cursor/rules").mkdir(parents=True)
    (repo / ".cursor/rules/x\x1b[2J.mdc").write_text("---\nglobs: src/**\n---\n\n- Scoped.\n")
    assert main(["--adopt", "--agents", "--cursor"]) == 1
    out = capsys.readouterr().out
    assert not any(c in out for c in "\x1b\x07\r\x9b")
    assert "- Be \\x1b]0;owned\\x07kind." in out
    assert ".cursor/rules/x\\x1b[2J.mdc: left as it is" in out


# Each editor's own scoped rule files, in the form its docs give (the registry, read back).
SCOPED_ELSEWHERE = {
    "claude": (".claude/rules/db.md", "---\npaths:\n  - db/**\n  - '**/*.sql'\n---\n"),
    "copilot": (
        ".github/instructions/db.instructions.md",
        '---\ndescription: Database\napplyTo: "db/**,**/*.sql"\n---\n',
    ),
    "windsurf": (".windsurf/rules/db.md", "---\ntrigger: glob\nglobs: db/**, **/*.sql\n---\n"),
    "kiro": (
        ".kiro/steering/db.md",
        "---\ninclusion: fileMatch\nfileMatchPattern: ['db/**', '**/*.sql']\n---\n",
    ),
    "cline": (".clinerules/db.md", "---\npaths: [db/**, '**/*.sql']\n---\n"),
}


@pytest.mark.parametrize("editor", sorted(SCOPED_ELSEWHERE))
def test_an_editors_own_rule_for_some_files_becomes_a_scoped_rule(repo, capsys, editor):
    path, front = SCOPED_ELSEWHERE[editor]
    (repo / ".airules.yml").write_text(f"targets: [{editor}, cursor]\n")
    (repo / path).parent.mkdir(parents=True)
    (repo / path).write_text(front + "\n- Migrations are reversible.\n")
    assert main(["--adopt", "--yes"]) == 1
    rule = (repo / "ai-rules/db.md").read_text()
    assert rule.startswith('---\npaths:\n  - db/**\n  - "**/*.sql"\n')
    assert rule.endswith("---\n\n- Migrations are reversible.\n")
    # Written again by airules, for this editor and for Cursor.
    assert "Generated by airules from ai-rules/db.md" in (repo / path).read_text()
    assert "Generated by airules from ai-rules/db.md" in (repo / ".cursor/rules/db.mdc").read_text()
    capsys.readouterr()
    assert main([]) == 0
    assert main(["--adopt", "--yes"]) == 0


def test_a_windsurf_rule_for_every_request_is_not_taken_for_a_scoped_one(repo, capsys):
    (repo / ".airules.yml").write_text("targets: [windsurf]\n")
    (repo / ".windsurf/rules").mkdir(parents=True)
    text = "---\ntrigger: always_on\nglobs: db/**\n---\n\n- Mine.\n"
    (repo / ".windsurf/rules/mine.md").write_text(text)
    main(["--adopt", "--yes"])
    assert not (repo / "ai-rules").exists()
    assert (repo / ".windsurf/rules/mine.md").read_text() == text


def test_one_rule_kept_for_two_editors_becomes_one_rule_file(repo, capsys):
    (repo / ".airules.yml").write_text("targets: [claude, cline]\n")
    for path in (".claude/rules/db.md", ".clinerules/db.md"):
        (repo / path).parent.mkdir(parents=True)
        (repo / path).write_text("---\npaths: [db/**]\n---\n\n- Reversible.\n")
    assert main(["--adopt", "--yes"]) == 1
    out = capsys.readouterr().out
    assert ".claude/rules/db.md: written" in out and ".clinerules/db.md: written" in out
    assert (repo / "ai-rules/db.md").read_text() == "---\npaths:\n  - db/**\n---\n\n- Reversible.\n"
    assert main([]) == 0


def test_two_different_rules_with_one_name_keep_the_second_as_it_is(repo, capsys):
    (repo / ".airules.yml").write_text("targets: [claude, cline]\n")
    (repo / ".claude/rules").mkdir(parents=True)
    (repo / ".claude/rules/db.md").write_text("---\npaths: [db/**]\n---\n\n- One.\n")
    (repo / ".clinerules").mkdir()
    (repo / ".clinerules/db.md").write_text("---\npaths: [db/**]\n---\n\n- Two.\n")
    main(["--adopt", "--yes"])
    out = capsys.readouterr().out
    assert "left as it is: it applies only to some files, and another rule named db says" in out
    assert "- One." in (repo / "ai-rules/db.md").read_text()
    # Left as it is means just that: the generated rule does not overwrite it.
    assert (repo / ".clinerules/db.md").read_text() == "---\npaths: [db/**]\n---\n\n- Two.\n"
    capsys.readouterr()
    assert main([]) == 1
    assert ".clinerules/db.md: edited by hand" in capsys.readouterr().out
